using Care2Connect.Api.Data;
using Care2Connect.Api.Data.Resilience;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Recovery;

/// <summary>What one bounded call to the recovery tables gave: its value, or why there is none.</summary>
internal readonly record struct StoreResult<T>(bool Succeeded, T? Value, string? Failure);

/// <summary>
/// The recovery service's way to PostgreSQL: the data layer's bounded one-shot path
/// (<see cref="ResilientDatabase.TryOnceAsync{T}"/>) within <see cref="RecoveryOptions.StoreTimeout"/>, never through
/// the breaker or the retries (recovery runs exactly when the database may be down), and not at all before the schema
/// is migrated.
/// </summary>
internal sealed class RecoveryDatabase(ResilientDatabase database, MigrationState migrations, IOptionsMonitor<RecoveryOptions> options)
{
    public async Task<StoreResult<T>> TryAsync<T>(Func<CareDbContext, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        if (!migrations.Applied)
        {
            return new(false, default, "the schema is not migrated yet");
        }

        var timeout = options.CurrentValue.StoreTimeout;
        var attempt = await database.TryOnceAsync(work, timeout, cancellationToken);
        return attempt.Succeeded
            ? new(true, attempt.Value, null)
            : new(false, default, attempt.TimedOut ? $"no answer within {timeout.TotalSeconds:0.#} s" : attempt.Failure!.GetType().Name);
    }
}
