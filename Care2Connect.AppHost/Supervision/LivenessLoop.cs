using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Care2Connect.AppHost.Supervision;

/// <summary>
/// Probes a running supervised resource's liveness endpoint on the policy's period. A failure counts only once the
/// process has answered since its (re)start, or after the startup timeout; at the threshold the process tree is
/// killed (a hung process does not answer a stop) and the exit is handled like a crash, or, without a pid, a restart
/// is asked for.
/// </summary>
internal sealed class LivenessLoop(TimeProvider time, ILogger logger) : IDisposable
{
    private readonly HttpClient _probeClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) });

    public void Dispose() => _probeClient.Dispose();

    public async Task RunAsync(SupervisedResource supervised, Action<string> restart, CancellationToken cancellationToken)
    {
        if (supervised.Policy.Liveness is not { } probe || supervised.Resource is not IResourceWithEndpoints withEndpoints)
        {
            return;
        }

        try
        {
            var started = time.GetUtcNow();
            await Task.Delay(probe.InitialDelay, time, cancellationToken);
            using var timer = new PeriodicTimer(probe.Period, time);
            var failures = 0;
            var cameUp = false;
            do
            {
                var failure = await ProbeAsync(withEndpoints, probe, cancellationToken);
                if (failure is null)
                {
                    cameUp = true;
                    failures = 0;
                }
                else if (cameUp || time.GetUtcNow() - started >= probe.StartupTimeout)
                {
                    // Each counted failure is logged, as the kubelet's Unhealthy events are: a failure or two that
                    // never reach the threshold still show a process that is slow to answer.
                    failures++;
                    Log.LivenessProbeFailed(logger, supervised.Resource.Name, probe.Path, failures, probe.FailureThreshold, failure);
                }

                if (failures >= probe.FailureThreshold)
                {
                    // The last failure says which: a hang (no answer in time), a refusal, or an answer that was not 2xx.
                    var reason = $"liveness probe {probe.Path} failed {failures} times in a row (last: {failure})";
                    if (supervised.Pid is { } pid)
                    {
                        // A hung process may not react to a stop (SIGSTOP, a deadlock): kill its whole tree, and
                        // the exit is then handled like any crash, within the budget.
                        supervised.PendingReason = reason;
                        KillTree(pid);
                    }
                    else
                    {
                        restart(reason);
                    }

                    return;
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The resource stopped running, or the AppHost is stopping.
        }
    }

    private void KillTree(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            Log.KillFailed(logger, pid, exception.Message);
        }
    }

    /// <summary>Null when the probe succeeded, else what went wrong.</summary>
    private async Task<string?> ProbeAsync(IResourceWithEndpoints resource, LivenessProbe probe, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(probe.Timeout);
        try
        {
            var url = new Uri(new Uri(resource.GetEndpoint(probe.EndpointName).Url), probe.Path);
            using var response = await _probeClient.GetAsync(url, timeout.Token);
            return response.IsSuccessStatusCode
                ? null
                : string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return string.Create(CultureInfo.InvariantCulture, $"no answer within {probe.Timeout.TotalMilliseconds:0} ms");
        }
        catch (Exception exception) when (exception is HttpRequestException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            return exception.Message;
        }
    }
}
