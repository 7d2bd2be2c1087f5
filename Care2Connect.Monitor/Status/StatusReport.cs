using Care2Connect.Monitor.History;

namespace Care2Connect.Monitor.Status;

/// <summary>Everything the status endpoints show: the engine's live view joined with the history.</summary>
internal sealed record StatusReport(
    string Status,
    Fault Fault,
    MaintenanceStatus Maintenance,
    DateTimeOffset CheckedAt,
    IReadOnlyList<ComponentReport> Components,
    IReadOnlyList<Transition> Transitions,
    IReadOnlyList<RecoveryRequestRecord> RecoveryRequests,
    bool HistoryAvailable)
{
    public const int RecentCount = 20;
    public const int LatencySampleCount = 30;

    public static readonly TimeSpan Day = TimeSpan.FromDays(1);
    public static readonly TimeSpan Week = TimeSpan.FromDays(7);

    public static async Task<StatusReport> ReadAsync(
        IMonitorState state,
        HistoryStore history,
        TimeProvider time,
        ILogger<StatusReport> logger,
        CancellationToken cancellationToken)
    {
        var live = state.Components;
        IReadOnlyDictionary<string, double> day = new Dictionary<string, double>();
        IReadOnlyDictionary<string, double> week = day;
        IReadOnlyDictionary<string, IReadOnlyList<HourBucket>> hours = new Dictionary<string, IReadOnlyList<HourBucket>>();
        IReadOnlyDictionary<string, IReadOnlyList<LatencySample>> latencies = new Dictionary<string, IReadOnlyList<LatencySample>>();
        IReadOnlyList<Transition> transitions = [];
        IReadOnlyList<RecoveryRequestRecord> recoveries = [];
        var historyAvailable = true;
        try
        {
            day = await history.UptimeAsync(Day, cancellationToken);
            week = await history.UptimeAsync(Week, cancellationToken);
            hours = await history.HourlyAsync(cancellationToken);
            latencies = await history.LatestLatenciesAsync(LatencySampleCount, cancellationToken);
            transitions = await history.RecentTransitionsAsync(RecentCount, cancellationToken);
            recoveries = await history.RecentRecoveryRequestsAsync(RecentCount, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The live state is what matters most when something is wrong: show it without history.
            historyAvailable = false;
            Log.HistoryUnavailable(logger, exception);
        }

        var components = live
            .Select(component => new ComponentReport(
                component,
                day.TryGetValue(component.Name, out var uptimeDay) ? uptimeDay : null,
                week.TryGetValue(component.Name, out var uptimeWeek) ? uptimeWeek : null,
                hours.GetValueOrDefault(component.Name) ?? [],
                latencies.GetValueOrDefault(component.Name) ?? []))
            .ToList();

        return new StatusReport(
            Overall(live),
            state.Fault,
            state.Maintenance,
            time.GetUtcNow(),
            components,
            transitions,
            recoveries,
            historyAvailable);
    }

    /// <summary>
    /// <c>up</c> when every component is up, <c>down</c> when any is down, else <c>degraded</c> (some still unknown,
    /// or nothing checked yet: an empty list confirms nothing).
    /// </summary>
    public static string Overall(IReadOnlyList<ComponentSnapshot> components) =>
        components.Any(component => component.State == ComponentState.Down) ? "down"
        : components.Count > 0 && components.All(component => component.State == ComponentState.Up) ? "up"
        : "degraded";
}

internal sealed record ComponentReport(
    ComponentSnapshot Live,
    double? Uptime24h,
    double? Uptime7d,
    IReadOnlyList<HourBucket> Hours,
    IReadOnlyList<LatencySample> Latencies);
