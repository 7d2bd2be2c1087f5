using Care2Connect.Api.Data;
using Care2Connect.Api.Data.Resilience;
using Care2Connect.Api.SpeechIntelligence;
using Npgsql;

namespace Care2Connect.Api.Recovery;

/// <summary>The database itself: probed with <c>SELECT 1</c>; recovered by clearing the connection pool.</summary>
internal sealed class DatabaseComponent(DatabaseProbe probe, TimeProvider time) : IRecoverableComponent
{
    public const string ComponentName = "database";

    public string Name => ComponentName;

    public bool CriticalByDefault => true;

    public string? ActionName => "clear-connection-pool";

    // The probe runs even while the breaker is open (unlike readiness): recovery must see the real server.
    public async Task<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var result = await probe.ProbeAsync(cancellationToken);
        return new(result.Reachable ? ComponentStatus.Healthy : ComponentStatus.Unhealthy, result.LatencyMs, result.Error, time.GetUtcNow());
    }

    // Connections that survived a server restart are dead; without this each would fail once before being replaced.
    public Task RecoverAsync(CancellationToken cancellationToken)
    {
        NpgsqlConnection.ClearAllPools();
        return Task.CompletedTask;
    }
}

/// <summary>
/// The data layer's circuit breaker: unhealthy while open, degraded while half-open. Recovered by skipping the rest
/// of the break and running the half-open trial at once (<c>SELECT 1</c> through the resilient path), which closes
/// the breaker when the database answers and opens it again when it does not.
/// </summary>
internal sealed class CircuitBreakerComponent(ResilientDatabase database, TimeProvider time) : IRecoverableComponent
{
    public const string ComponentName = "database-circuit-breaker";

    public string Name => ComponentName;

    public bool CriticalByDefault => true;

    public string? ActionName => "half-open-trial";

    public Task<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var state = database.Breaker.Snapshot;
        var result = state.State switch
        {
            CircuitState.Open => new ProbeResult(
                ComponentStatus.Unhealthy,
                null,
                $"open after {state.ConsecutiveFailures} consecutive failures; half-open in {state.TimeUntilHalfOpen?.TotalSeconds ?? 0:0.#} s",
                time.GetUtcNow()),
            CircuitState.HalfOpen => new ProbeResult(ComponentStatus.Degraded, null, "half-open: a trial operation decides", time.GetUtcNow()),
            _ => new ProbeResult(ComponentStatus.Healthy, null, null, time.GetUtcNow()),
        };
        return Task.FromResult(result);
    }

    // A failed trial opens the breaker again, which the verifying probe reports.
    public Task RecoverAsync(CancellationToken cancellationToken) => database.RunBreakerTrialAsync(cancellationToken);
}

/// <summary>The speech intelligence job host: unhealthy when stopped or when a job's last run failed; recovered by a restart.</summary>
internal sealed class SpeechIntelligenceComponent(SpeechIntelligenceHost host, TimeProvider time) : IRecoverableComponent
{
    public const string ComponentName = "speech-intelligence";

    public string Name => ComponentName;

    public bool CriticalByDefault => false;

    public string? ActionName => "restart-job-host";

    public Task<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var status = host.Status;
        var failing = status.Jobs.Where(job => job.LastRunSucceeded == false).ToList();
        var result = !status.Running
            ? new ProbeResult(ComponentStatus.Unhealthy, null, "the job host is stopped", time.GetUtcNow())
            : failing.Count > 0
                ? new ProbeResult(ComponentStatus.Unhealthy, null, string.Join("; ", failing.Select(job => $"{job.Name} failed: {job.LastError}")), time.GetUtcNow())
                : new ProbeResult(ComponentStatus.Healthy, null, null, time.GetUtcNow());
        return Task.FromResult(result);
    }

    public Task RecoverAsync(CancellationToken cancellationToken) => host.RestartAsync(cancellationToken);
}

/// <summary>
/// A service the system uses but this process cannot repair (the original checked OpenAI, Stripe and Cloudflare):
/// probed over HTTP with a short timeout; any answer below 500 means it is up. No action: an attempt on it is
/// recorded as skipped, never as a success.
/// </summary>
internal sealed class ExternalDependencyComponent(string name, ExternalDependencyOptions options, IHttpClientFactory clients, TimeProvider time) : IRecoverableComponent
{
    public const string HttpClientName = "recovery-probes";

    public string Name => name;

    public bool CriticalByDefault => options.Critical;

    public string? ActionName => null;

    public async Task<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        var client = clients.CreateClient(HttpClientName);
        var started = time.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, options.Url);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var latency = Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 1);
            return (int)response.StatusCode < 500
                ? new ProbeResult(ComponentStatus.Healthy, latency, null, time.GetUtcNow())
                : new ProbeResult(ComponentStatus.Unhealthy, latency, $"answered {(int)response.StatusCode}", time.GetUtcNow());
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var reason = timeout.IsCancellationRequested ? $"no answer within {options.Timeout.TotalSeconds:0.#} s" : $"unreachable ({exception.GetType().Name})";
            return new ProbeResult(ComponentStatus.Unhealthy, null, reason, time.GetUtcNow());
        }
    }

    public Task RecoverAsync(CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"{name} has no local recovery action.");
}
