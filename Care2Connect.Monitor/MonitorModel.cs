using System.Text.Json;
using System.Text.Json.Serialization;

namespace Care2Connect.Monitor;

/// <summary>What the Monitor believes about a component. Unknown until enough probes agree.</summary>
[JsonConverter(typeof(KebabEnumConverter<ComponentState>))]
internal enum ComponentState
{
    Unknown,
    Up,
    Down,
}

/// <summary>
/// Where the Monitor locates a fault seen from its three vantage points (API health, tunnel readiness, public
/// site): <c>origin-down</c> (the API), <c>tunnel-down</c> (cloudflared), <c>edge-or-dns</c> (everything local is
/// fine, the public URL still fails).
/// </summary>
[JsonConverter(typeof(KebabEnumConverter<Fault>))]
internal enum Fault
{
    None,
    OriginDown,
    TunnelDown,
    EdgeOrDns,
}

[JsonConverter(typeof(KebabEnumConverter<AlertKind>))]
internal enum AlertKind
{
    /// <summary>A component went DOWN.</summary>
    Down,

    /// <summary>A component that was DOWN is UP again (the "resolved" notice).</summary>
    Up,

    /// <summary>A component is still DOWN (sent every <c>ReminderInterval</c>).</summary>
    Reminder,

    /// <summary>A component needed recovery too often: automatic recovery for it is paused.</summary>
    Flapping,

    /// <summary>A recovery the Monitor requested came back failed (or could not be requested).</summary>
    RecoveryFailed,
}

/// <summary>Enums on the wire as kebab-case words (<c>origin-down</c>, <c>recovery-failed</c>).</summary>
internal sealed class KebabEnumConverter<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false)
    where T : struct, Enum;

/// <summary>One probe result for one component.</summary>
internal sealed record Observation(string Component, DateTimeOffset At, bool Success, double? LatencyMs, string? Error);

/// <summary>A change of a component's state, with the fault the Monitor names at that moment.</summary>
internal sealed record Transition(string Component, ComponentState From, ComponentState To, DateTimeOffset At, string Reason, Fault Fault);

/// <summary>A call the Monitor made (or decided not to make) to the API's <c>POST /health/recover</c>.</summary>
/// <param name="Outcome">
/// <c>succeeded</c>, <c>failed</c>, <c>skipped</c> (the API's verdict), <c>cooldown</c> (429 from the API), or
/// <c>error</c> (no usable answer).
/// </param>
internal sealed record RecoveryRequestRecord(
    DateTimeOffset At,
    IReadOnlyList<string> Components,
    string Reason,
    int? StatusCode,
    string Outcome,
    TimeSpan? RetryAfter,
    Guid? AttemptId,
    string? Summary);

/// <summary>Something a person should hear about.</summary>
internal sealed record Alert(AlertKind Kind, string Component, DateTimeOffset At, string Message, Fault Fault, ComponentState State, DateTimeOffset? Since);

/// <summary>What the Monitor currently believes about one component.</summary>
internal sealed record ComponentSnapshot(
    string Name,
    string Check,
    ComponentState State,
    DateTimeOffset? Since,
    double? LastLatencyMs,
    DateTimeOffset? LastCheckedAt,
    string? LastError,
    int ConsecutiveFailures,
    int ConsecutiveSuccesses,
    bool AutoRecoveryPaused);

internal sealed record MaintenanceStatus(bool Active, string? Reason, DateTimeOffset? Since);

/// <summary>The live view of the checks engine, for the status endpoints.</summary>
internal interface IMonitorState
{
    IReadOnlyList<ComponentSnapshot> Components { get; }

    Fault Fault { get; }

    MaintenanceStatus Maintenance { get; }
}

/// <summary>
/// Receives everything the checks engine produces. The history store, the alerting and the log file are sinks. A
/// sink must return quickly (queue slow work) and must not throw: a failing sink never blocks or stops checks
/// (<see cref="MonitorEvents"/> contains what escapes anyway).
/// </summary>
internal interface IMonitorSink
{
    ValueTask OnObservationAsync(Observation observation, CancellationToken cancellationToken);

    ValueTask OnTransitionAsync(Transition transition, CancellationToken cancellationToken);

    ValueTask OnRecoveryRequestAsync(RecoveryRequestRecord request, CancellationToken cancellationToken);

    /// <summary>Only alerts the engine raises itself (flapping, recovery failed); DOWN/UP alerts follow from transitions.</summary>
    ValueTask OnAlertAsync(Alert alert, CancellationToken cancellationToken);
}

/// <summary>Fans every event out to every sink, containing each sink's failures.</summary>
internal sealed class MonitorEvents(IEnumerable<IMonitorSink> sinks, ILogger<MonitorEvents> logger)
{
    private readonly IMonitorSink[] _sinks = [.. sinks];

    public Task ObservedAsync(Observation observation, CancellationToken cancellationToken) =>
        EachAsync(sink => sink.OnObservationAsync(observation, cancellationToken));

    public Task TransitionedAsync(Transition transition, CancellationToken cancellationToken) =>
        EachAsync(sink => sink.OnTransitionAsync(transition, cancellationToken));

    public Task RecoveryRequestedAsync(RecoveryRequestRecord request, CancellationToken cancellationToken) =>
        EachAsync(sink => sink.OnRecoveryRequestAsync(request, cancellationToken));

    public Task AlertAsync(Alert alert, CancellationToken cancellationToken) =>
        EachAsync(sink => sink.OnAlertAsync(alert, cancellationToken));

    private async Task EachAsync(Func<IMonitorSink, ValueTask> deliver)
    {
        foreach (var sink in _sinks)
        {
            try
            {
                await deliver(sink);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                Log.SinkFailed(logger, sink.GetType().Name, exception);
            }
        }
    }
}
