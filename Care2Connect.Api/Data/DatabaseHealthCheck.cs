using Care2Connect.Api.Data.Resilience;
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

/// <summary>What one <c>SELECT 1</c> saw.</summary>
internal sealed record DatabaseProbeResult(bool Reachable, double? LatencyMs, string? Error);

/// <summary>
/// <c>SELECT 1</c> through the data layer's bounded one-shot path (<see cref="ResilientDatabase.TryOnceAsync{T}"/>):
/// outside the breaker and the retries (a probe must see a failure, not retry it away), bounded by
/// <see cref="DatabaseHealthCheckOptions.Timeout"/>, connect included.
/// </summary>
internal sealed class DatabaseProbe(ResilientDatabase database, IOptions<DatabaseHealthCheckOptions> options, TimeProvider time)
{
    public async Task<DatabaseProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var attempt = await database.TryOnceAsync(SelectOneAsync, options.Value.Timeout, cancellationToken);
        if (attempt.Succeeded)
        {
            return new(true, attempt.Value, null);
        }

        var reason = attempt.TimedOut ? $"no answer within {options.Value.Timeout.TotalSeconds:0.#} s" : attempt.Failure!.GetType().Name;
        return new(false, null, $"The database is unreachable: {reason}.");
    }

    // Latency from opening the connection to the answer: what a caller of the database waits.
    private async Task<double> SelectOneAsync(CareDbContext db, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken);
            return Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 1);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}

/// <summary>
/// Readiness: the <see cref="DatabaseProbe"/>, with latency, breaker state and pool usage. Skipped while the breaker
/// is open (the database is known to be failing, and the probe must not add load); Degraded while it is half-open.
/// </summary>
internal sealed class DatabaseHealthCheck(
    DatabaseProbe probe,
    DatabaseCircuitBreaker breaker,
    ConnectionPoolStatistics pool) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = breaker.Snapshot;
        var data = new Dictionary<string, object>
        {
            ["breakerState"] = state.State.ToString(),
            ["consecutiveFailures"] = state.ConsecutiveFailures,
        };
        var usage = pool.Read();
        data["poolBusy"] = usage.Busy;
        data["poolIdle"] = usage.Idle;
        data["poolMax"] = usage.Max;
        if (state.State == CircuitState.Open)
        {
            data["secondsUntilHalfOpen"] = Math.Round(state.TimeUntilHalfOpen?.TotalSeconds ?? 0, 1);
            return new HealthCheckResult(context.Registration.FailureStatus, "The circuit breaker is open: the database has been failing.", data: data);
        }

        var result = await probe.ProbeAsync(cancellationToken);
        if (!result.Reachable)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, result.Error, data: data);
        }

        data["latencyMs"] = result.LatencyMs!.Value;
        return state.State == CircuitState.HalfOpen
            ? HealthCheckResult.Degraded("The database answers; the circuit breaker is half-open.", data: data)
            : HealthCheckResult.Healthy("The database answers.", data);
    }
}
