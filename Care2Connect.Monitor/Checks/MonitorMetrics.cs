using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Care2Connect.Monitor.Checks;

/// <summary>The Monitor's metrics, on the <c>Care2Connect.Monitor</c> meter (registered by the service defaults).</summary>
internal sealed class MonitorMetrics
{
    public const string MeterName = "Care2Connect.Monitor";
    public static readonly ActivitySource ActivitySource = new(MeterName);

    private readonly Histogram<double> _probeDuration;
    private readonly Counter<long> _transitions;
    private readonly Counter<long> _recoveries;
    private readonly Meter _meter;

    public MonitorMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _probeDuration = _meter.CreateHistogram<double>("care2connect.monitor.probe.duration", "s", "How long a probe took, by component and result.");
        _transitions = _meter.CreateCounter<long>("care2connect.monitor.transitions", "{transition}", "Component state changes, by component and new state.");
        _recoveries = _meter.CreateCounter<long>("care2connect.monitor.recovery.requests", "{request}", "Recovery requests sent to the API, by outcome.");
    }

    /// <summary>Publishes each component's state: 1 up, 0 down, -1 unknown.</summary>
    public void ObserveStates(Func<IReadOnlyList<ComponentSnapshot>> components) =>
        _meter.CreateObservableGauge(
            "care2connect.monitor.component.up",
            () => components().Select(c => new Measurement<int>(
                c.State switch { ComponentState.Up => 1, ComponentState.Down => 0, _ => -1 },
                new KeyValuePair<string, object?>("care2connect.component", c.Name))),
            "{state}",
            "Whether the Monitor sees each component up (1), down (0) or does not know yet (-1).");

    public void Probed(Observation observation)
    {
        if (observation.LatencyMs is { } latency)
        {
            _probeDuration.Record(latency / 1000, new("care2connect.component", observation.Component), new("care2connect.probe.result", observation.Success ? "success" : "failure"));
        }
    }

    public void Transitioned(Transition transition) =>
        _transitions.Add(1, new("care2connect.component", transition.Component), new("care2connect.component.state", transition.To.ToString().ToLowerInvariant()));

    public void RecoveryRequested(string outcome) => _recoveries.Add(1, new KeyValuePair<string, object?>("care2connect.recovery.outcome", outcome));
}
