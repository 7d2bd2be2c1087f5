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
/// <c>SELECT 1</c> on a connection of its own, outside the breaker and the retries (a probe must see a failure, not
/// retry it away), bounded by <see cref="DatabaseHealthCheckOptions.Timeout"/>, connect included.
/// </summary>
internal sealed class DatabaseProbe(IServiceScopeFactory scopes, IOptions<DatabaseHealthCheckOptions> options, TimeProvider time)
{
    public async Task<DatabaseProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CareDbContext>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        var started = time.GetTimestamp();
        try
        {
            await db.Database.OpenConnectionAsync(timeout.Token);
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(timeout.Token);
            return new(true, Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 1), null);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = timeout.IsCancellationRequested ? $"no answer within {options.Value.Timeout.TotalSeconds:0.#} s" : exception.GetType().Name;
            return new(false, null, $"The database is unreachable: {reason}.");
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
