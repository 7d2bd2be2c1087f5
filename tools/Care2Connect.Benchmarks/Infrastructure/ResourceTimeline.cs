using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Care2Connect.Benchmarks.Infrastructure;

/// <summary>
/// Every resource snapshot the orchestrator publishes, stamped on arrival: what the dashboard showed and when.
/// Lets a scenario ask "how long after the fault did the api stop being Running" after the fact.
/// </summary>
internal sealed class ResourceTimeline : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);
    private readonly List<(long At, ResourceEvent Event)> _events = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _pump;

    public ResourceTimeline(DistributedApplication app) => _pump = PumpAsync(app, _stopping.Token);

    /// <summary>The latest snapshot of a resource.</summary>
    public ResourceEvent Latest(string resource)
    {
        lock (_events)
        {
            return _events.LastOrDefault(e => e.Event.Resource.Name == resource).Event
                ?? throw new InvalidOperationException($"No snapshot of {resource} yet.");
        }
    }

    /// <summary>The <see cref="Stopwatch"/> timestamp of the first matching snapshot at or after <paramref name="since"/>, if any.</summary>
    public long? FirstAt(string resource, long since, Func<CustomResourceSnapshot, bool> predicate)
    {
        lock (_events)
        {
            foreach (var (at, resourceEvent) in _events)
            {
                if (at >= since && resourceEvent.Resource.Name == resource && predicate(resourceEvent.Snapshot))
                {
                    return at;
                }
            }
        }

        return null;
    }

    /// <summary>Waits for the first matching snapshot at or after <paramref name="since"/>; its timestamp, or null past the timeout.</summary>
    public async Task<long?> WaitAtAsync(string resource, long since, Func<CustomResourceSnapshot, bool> predicate, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (FirstAt(resource, since, predicate) is { } found)
            {
                return found;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                return null;
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Like <see cref="WaitAtAsync"/>, but a state that never comes is an error.</summary>
    public async Task<long> WaitRequiredAsync(string resource, long since, Func<CustomResourceSnapshot, bool> predicate, TimeSpan timeout) =>
        await WaitAtAsync(resource, since, predicate, timeout)
        ?? throw new TimeoutException($"{resource} did not reach the expected state within {timeout.TotalSeconds:0} s (last: {Describe(Latest(resource).Snapshot)}).");

    /// <summary>The pid the orchestrator reports for a resource (for projects, the <c>dotnet run</c> wrapper's).</summary>
    public static int? PidOf(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value
        && int.TryParse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null;

    public static bool IsRunning(CustomResourceSnapshot snapshot) => snapshot.State?.Text == KnownResourceStates.Running;

    public static string Describe(CustomResourceSnapshot snapshot) => $"{snapshot.State?.Text ?? "?"}/{snapshot.HealthStatus?.ToString() ?? "-"}";

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _pump.ContinueWith(_ => { }, TaskScheduler.Default);
        _stopping.Dispose();
    }

    private async Task PumpAsync(DistributedApplication app, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in app.ResourceNotifications.WatchAsync(cancellationToken))
            {
                lock (_events)
                {
                    _events.Add((Stopwatch.GetTimestamp(), change));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposal.
        }
    }
}
