using Care2Connect.Api.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Recovery;

/// <summary>
/// The shared cooldown: one row in PostgreSQL (<c>recovery_cooldown</c>) that every API instance compares-and-sets to
/// claim an attempt, so two instances cannot both act. When the database does not answer (within
/// <see cref="RecoveryOptions.StoreTimeout"/>), this process's own memory decides.
/// </summary>
internal sealed class RecoveryCooldown(
    RecoveryDatabase database,
    IOptionsMonitor<RecoveryOptions> options,
    TimeProvider time,
    ILogger<RecoveryCooldown> logger)
{
    private readonly Lock _gate = new();
    private DateTimeOffset? _localLastCounted;
    private DateTimeOffset? _sharedLastCounted;

    /// <summary>When the cooldown ends, from what this process knows without asking (null when nothing counted yet).</summary>
    public DateTimeOffset? Until
    {
        get
        {
            lock (_gate)
            {
                return Latest(_localLastCounted, _sharedLastCounted) + options.CurrentValue.Cooldown;
            }
        }
    }

    /// <summary>Time left in the cooldown, from the shared row when the database answers, else from this process's memory.</summary>
    public async Task<TimeSpan> RemainingAsync(CancellationToken cancellationToken)
    {
        var shared = await database.TryAsync(
            (db, ct) => db.RecoveryCooldown.AsNoTracking().Where(c => c.Id == RecoveryCooldownRecord.SingletonId).Select(c => c.LastAttemptAt).SingleOrDefaultAsync(ct),
            cancellationToken);
        DateTimeOffset? last;
        lock (_gate)
        {
            if (shared.Succeeded)
            {
                _sharedLastCounted = shared.Value;
            }
            else
            {
                Log.RecoveryCooldownLocal(logger, shared.Failure!);
            }

            last = Latest(_localLastCounted, _sharedLastCounted);
        }

        return Remaining(last);
    }

    /// <summary>
    /// Claims the cooldown for an attempt: an atomic compare-and-set on the shared row, so two instances racing cannot
    /// both act. With <paramref name="force"/> the claim always succeeds (and still restarts the cooldown).
    /// </summary>
    public async Task<bool> TryClaimAsync(Guid attemptId, DateTimeOffset now, bool force, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // Attempts made while the database was down are known only here until they are written.
            if (!force && Remaining(_localLastCounted) > TimeSpan.Zero)
            {
                return false;
            }
        }

        var threshold = now - options.CurrentValue.Cooldown;
        var claimed = await database.TryAsync(
            (db, ct) => db.Database.ExecuteSqlAsync(
                $"""
                UPDATE recovery_cooldown SET last_attempt_at = {now}, last_attempt_id = {attemptId}
                WHERE id = {RecoveryCooldownRecord.SingletonId} AND ({force} OR last_attempt_at IS NULL OR last_attempt_at <= {threshold})
                """,
                ct),
            cancellationToken);
        lock (_gate)
        {
            if (claimed.Succeeded && claimed.Value == 0)
            {
                return false;
            }

            if (!claimed.Succeeded)
            {
                Log.RecoveryCooldownLocal(logger, claimed.Failure!);
            }
            else
            {
                _sharedLastCounted = now;
            }

            _localLastCounted = now;
            return true;
        }
    }

    private TimeSpan Remaining(DateTimeOffset? last)
    {
        if (last is null)
        {
            return TimeSpan.Zero;
        }

        var remaining = last.Value + options.CurrentValue.Cooldown - time.GetUtcNow();
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
