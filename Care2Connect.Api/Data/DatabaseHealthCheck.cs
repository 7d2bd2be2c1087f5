using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Data;

internal sealed class DatabaseHealthCheckOptions
{
    public const string Section = "Database:HealthCheck";

    /// <summary>How long the probe may take, connect included. Readiness must answer promptly during an outage.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(3);
}

/// <summary>
/// Readiness: <c>SELECT 1</c> on the DbContext's own connection, outside the execution strategy (a probe must
/// see a failure, not retry it away) and bounded by its own timeout. Reports the latency.
/// </summary>
internal sealed class DatabaseHealthCheck(CareDbContext db, IOptions<DatabaseHealthCheckOptions> options, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        var started = time.GetTimestamp();
        try
        {
            await db.Database.OpenConnectionAsync(timeout.Token);
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(timeout.Token);
            var latency = time.GetElapsedTime(started);
            return HealthCheckResult.Healthy(
                "The database answers.",
                new Dictionary<string, object> { ["latencyMs"] = Math.Round(latency.TotalMilliseconds, 1) });
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = timeout.IsCancellationRequested ? $"no answer within {options.Value.Timeout.TotalSeconds:0.#} s" : exception.GetType().Name;
            return new HealthCheckResult(context.Registration.FailureStatus, $"The database is unreachable: {reason}.");
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
