namespace Care2Connect.AppHost.Supervision;

/// <summary>A liveness probe in the Kubernetes model: HTTP GET on one of the resource's endpoints.</summary>
public sealed class LivenessProbe
{
    /// <summary>The path to GET, e.g. <c>/alive</c>.</summary>
    public string Path { get; set; } = "/alive";

    /// <summary>The resource endpoint to probe.</summary>
    public string EndpointName { get; set; } = "http";

    /// <summary>
    /// Time between probes: Kubernetes' default. With <see cref="FailureThreshold"/> 3 and <see cref="Timeout"/> 5 s, a hung
    /// process is killed 25–35 s after it stops answering (up to a period until the first probe, two more periods,
    /// the last probe's timeout); with 30 s, until issue 13, it was 65–95 s. Probing <c>/alive</c> costs next to nothing.
    /// </summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one probe may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Failures in a row that make the supervisor restart the resource.</summary>
    public int FailureThreshold { get; set; } = 3;

    /// <summary>Time after the resource starts running before the first probe.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Failures count once a probe has succeeded since the (re)start, or once this much time has passed since
    /// it (a process that never comes up is caught too). "Running" means the process started, not that it
    /// listens: without this, a slow start would be killed again and again until the budget is spent.
    /// </summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>When and how often the supervisor may restart a resource.</summary>
public sealed class RestartPolicy
{
    /// <summary>Restarts allowed in any rolling <see cref="Window"/>; the initial start does not count.</summary>
    public int MaxRestarts { get; set; } = 5;

    /// <summary>The rolling window of the budget.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Delay before the second restart in a window (the first is immediate, as the kubelet's is); each further
    /// restart doubles it. Short, because every moment of it is an outage: a crash loop is bounded by
    /// <see cref="MaxRestarts"/>, not by the backoff.
    /// </summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper bound of the backoff.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Each delay strays at most this fraction from nominal, so restarts of several resources do not align.</summary>
    public double JitterRatio { get; set; } = 0.2;

    /// <summary>
    /// How often the supervisor itself checks that a running resource's process still exists (Linux's <c>/proc</c>;
    /// executables only), so a crash is restarted without waiting for the orchestrator to notice it, which takes
    /// 0.6–0.7 s. A process that ends while no one asked it to (no stop or restart in flight, the AppHost not
    /// stopping) is started again whatever its exit code, as Kubernetes' <c>restartPolicy: Always</c> does. Null turns
    /// the watch off: then only the orchestrator's report of a non-zero exit or a failed start restarts it.
    /// </summary>
    public TimeSpan? ExitWatchInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Optional liveness probe; readiness never restarts anything.</summary>
    public LivenessProbe? Liveness { get; set; }
}

/// <summary>
/// The restart budget of one resource: at most <see cref="RestartPolicy.MaxRestarts"/> restarts in any rolling
/// <see cref="RestartPolicy.Window"/>, with exponential backoff and jitter between them.
/// </summary>
public sealed class RestartBudget(RestartPolicy policy)
{
    private readonly Queue<DateTimeOffset> _restarts = new();

    /// <summary>Restarts inside the window ending at <paramref name="now"/>.</summary>
    public int RestartsInWindow(DateTimeOffset now)
    {
        Expire(now);
        return _restarts.Count;
    }

    /// <summary>Restarts still allowed in the window ending at <paramref name="now"/>.</summary>
    public int Remaining(DateTimeOffset now) => Math.Max(0, policy.MaxRestarts - RestartsInWindow(now));

    /// <summary>When the next restart will be allowed (now, if the budget is not spent).</summary>
    public DateTimeOffset NextAllowedAt(DateTimeOffset now) =>
        Remaining(now) > 0 ? now : _restarts.Peek() + policy.Window;

    /// <summary>Takes one restart from the budget, if any is left.</summary>
    public bool TryConsume(DateTimeOffset now)
    {
        if (Remaining(now) == 0)
        {
            return false;
        }

        _restarts.Enqueue(now);
        return true;
    }

    /// <summary>
    /// The wait before the next restart: none for the first in the window (a lone crash costs only the start), then
    /// initial × 2^(restarts in window − 1), jittered, capped.
    /// </summary>
    /// <param name="now">The current time.</param>
    /// <param name="random">A number in [0, 1).</param>
    public TimeSpan Backoff(DateTimeOffset now, double random)
    {
        var restarts = RestartsInWindow(now);
        if (restarts == 0)
        {
            return TimeSpan.Zero;
        }

        var nominal = policy.InitialBackoff.TotalMilliseconds * Math.Pow(2, restarts - 1);
        var jittered = nominal * (1 + (policy.JitterRatio * ((2 * random) - 1)));
        return TimeSpan.FromMilliseconds(Math.Min(jittered, policy.MaxBackoff.TotalMilliseconds));
    }

    private void Expire(DateTimeOffset now)
    {
        while (_restarts.Count > 0 && _restarts.Peek() <= now - policy.Window)
        {
            _restarts.Dequeue();
        }
    }
}
