using Microsoft.Extensions.Options;

namespace Care2Connect.Monitor.Checks;

/// <summary>Where the engine finds the states a previous run ended in (the history store provides it).</summary>
internal interface IStateHistory
{
    Task<IReadOnlyDictionary<string, (ComponentState State, DateTimeOffset Since)>> LoadLatestStatesAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Runs every check on its own interval, at most <see cref="MonitorOptions.MaxConcurrentProbes"/> at a time, feeds
/// the observations to each component's state machine, names the fault, publishes everything to the sinks, and
/// whenever a run brings the API's detailed status report lets the <see cref="RecoveryRequester"/> decide.
/// </summary>
internal sealed class CheckEngine : BackgroundService, IMonitorState
{
    /// <summary>The probes' HTTP client: no retries, no breaker, no hedging — a failure must be seen, not hidden.</summary>
    public const string ProbeClient = "probe";

    private readonly CheckCatalog _catalog;
    private readonly MonitorEvents _events;
    private readonly RecoveryRequester _recovery;
    private readonly MaintenanceState _maintenance;
    private readonly IHttpClientFactory _clients;
    private readonly MonitorMetrics _metrics;
    private readonly IStateHistory? _history;
    private readonly TimeProvider _time;
    private readonly ILogger<CheckEngine> _logger;
    private readonly SemaphoreSlim _limiter;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ComponentTracker> _trackers = new(StringComparer.OrdinalIgnoreCase);

    public CheckEngine(
        CheckCatalog catalog,
        MonitorEvents events,
        RecoveryRequester recovery,
        MaintenanceState maintenance,
        IHttpClientFactory clients,
        IOptions<MonitorOptions> options,
        MonitorMetrics metrics,
        TimeProvider time,
        ILogger<CheckEngine> logger,
        IStateHistory? history = null)
    {
        _catalog = catalog;
        _events = events;
        _recovery = recovery;
        _maintenance = maintenance;
        _clients = clients;
        _metrics = metrics;
        _history = history;
        _time = time;
        _logger = logger;
        _limiter = new SemaphoreSlim(options.Value.MaxConcurrentProbes);

        metrics.ObserveStates(() => Components);
    }

    public IReadOnlyList<ComponentSnapshot> Components
    {
        get
        {
            lock (_gate)
            {
                return [.. _trackers.Values.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => t.Snapshot(_recovery.IsPaused(t.Name)))];
            }
        }
    }

    public Fault Fault
    {
        get
        {
            lock (_gate)
            {
                return LocateFault();
            }
        }
    }

    public MaintenanceStatus Maintenance => _maintenance.Status;

    public override void Dispose()
    {
        _limiter.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await RestoreAsync(stoppingToken);
        Log.ChecksStarting(_logger, string.Join(", ", _catalog.Checks.Select(c => $"{c.Name} every {c.Interval.TotalSeconds:0.#} s")));
        await Task.WhenAll(_catalog.Checks.Select(check => LoopAsync(check, stoppingToken)));
    }

    /// <summary>Runs one check now and applies what it saw (the loops call it; tests may too).</summary>
    internal async Task RunAsync(MonitorCheck check, CancellationToken cancellationToken)
    {
        CheckResult result;
        await _limiter.WaitAsync(cancellationToken);
        try
        {
            using var activity = MonitorMetrics.ActivitySource.StartActivity($"monitor.check {check.Name}");
            activity?.SetTag("care2connect.check", check.Name);
            result = await check.RunAsync(_clients.CreateClient(ProbeClient), _time, cancellationToken);
            activity?.SetTag("care2connect.check.success", result.Observations.All(o => o.Success));
        }
        finally
        {
            _limiter.Release();
        }

        var observations = result.Observations;
        var transitions = new List<Transition>();
        Fault fault;
        lock (_gate)
        {
            foreach (var observation in observations)
            {
                if (!_trackers.TryGetValue(observation.Component, out var tracker))
                {
                    _trackers[observation.Component] = tracker = new ComponentTracker(observation.Component, check.Name);
                }

                var from = tracker.State;
                if (tracker.Observe(observation, check.Name, check.FailuresBeforeDown, check.SuccessesBeforeUp) is { } to)
                {
                    transitions.Add(new Transition(observation.Component, from, to, observation.At, observation.Error ?? "probes succeed again", Fault.None));
                }
            }

            fault = LocateFault();
        }

        foreach (var observation in observations)
        {
            _metrics.Probed(observation);
            await _events.ObservedAsync(observation, cancellationToken);
        }

        foreach (var transition in transitions.Select(t => t with { Fault = fault }))
        {
            _metrics.Transitioned(transition);
            if (transition.To == ComponentState.Down)
            {
                Log.ComponentDown(_logger, transition.Component, transition.Reason, FaultLocator.Explain(fault));
            }
            else
            {
                Log.ComponentUp(_logger, transition.Component, transition.From.ToString());
            }

            await _events.TransitionedAsync(transition, cancellationToken);
        }

        if (result.ApiReport is { } report)
        {
            await _recovery.ConsiderAsync(report, StateOf, fault, cancellationToken);
        }
    }

    private ComponentState StateOf(string component)
    {
        lock (_gate)
        {
            return _trackers.TryGetValue(component, out var tracker) ? tracker.State : ComponentState.Unknown;
        }
    }

    private Fault LocateFault() => FaultLocator.Locate(
        _trackers.GetValueOrDefault(CheckCatalog.ApiComponent)?.State ?? ComponentState.Unknown,
        _trackers.GetValueOrDefault(CheckCatalog.Tunnel)?.State ?? ComponentState.Unknown,
        _trackers.GetValueOrDefault(CheckCatalog.PublicSite)?.State ?? ComponentState.Unknown);

    private async Task LoopAsync(MonitorCheck check, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(check.Interval, _time);
        try
        {
            do
            {
                try
                {
                    await RunAsync(check, stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // A bug in one check must not stop the others, nor this one's next run.
                    Log.CheckFailed(_logger, check.Name, exception);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task RestoreAsync(CancellationToken cancellationToken)
    {
        if (_history is null)
        {
            return;
        }

        try
        {
            var states = await _history.LoadLatestStatesAsync(cancellationToken);
            lock (_gate)
            {
                foreach (var (component, (state, since)) in states)
                {
                    var tracker = new ComponentTracker(component, "restored");
                    tracker.Restore(state, since);
                    _trackers[component] = tracker;
                }
            }

            Log.StatesRestored(_logger, states.Count);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Log.StatesNotRestored(_logger, exception);
        }
    }
}
