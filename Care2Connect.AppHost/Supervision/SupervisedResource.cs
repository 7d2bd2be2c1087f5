namespace Care2Connect.AppHost.Supervision;

/// <summary>What the supervisor knows of one supervised resource, shared by its watch, restart loop and liveness loop.</summary>
internal sealed class SupervisedResource(IResource resource, RestartPolicy policy)
{
    private CancellationTokenSource? _liveness;
    private CancellationTokenSource? _exitWatch;

    /// <summary>1 while a restart loop runs for the resource (at most one does).</summary>
    public int Restarting;

    /// <summary>Why the liveness loop killed the process, for the crash that follows.</summary>
    public string? PendingReason;

    /// <summary>The user stopped it: never undo that.</summary>
    public volatile bool UserStopped;

    /// <summary>Lifecycle commands (stop, start, restart) running now, whoever asked: a process ending meanwhile was asked to.</summary>
    public int CommandsInFlight;

    /// <summary>The process whose end the supervisor saw itself and restarted for: the orchestrator's later report of it is not a second crash.</summary>
    public int? ExitHandledPid { get; set; }

    public IResource Resource { get; } = resource;

    public RestartPolicy Policy { get; } = policy;

    public RestartBudget Budget { get; } = new(policy);

    public string? ResourceId { get; set; }

    public string? LastState { get; set; }

    public int? Pid { get; set; }

    /// <summary>
    /// Running, as far as anyone knows: the orchestrator says so, and not of the process the exit watch saw end
    /// (the orchestrator reports that end later).
    /// </summary>
    public bool IsUp => LastState == KnownResourceStates.Running && (ExitHandledPid is not { } ended || Pid != ended);

    public DateTimeOffset? LastRestartAt { get; set; }

    /// <summary>While the restart budget is spent: until when, and the restart it refused.</summary>
    public volatile SpentBudget? Spent;

    /// <summary>Cancelled by a user's start while the restart budget is spent: supervision resumes at once.</summary>
    public CancellationTokenSource? Resume { get; set; }

    public void StartLiveness(Func<CancellationToken, Task> loop, CancellationToken stoppingToken) =>
        Replace(ref _liveness, loop, stoppingToken);

    public void StopLiveness() => Cancel(ref _liveness);

    public void StartExitWatch(Func<CancellationToken, Task> watch, CancellationToken stoppingToken) =>
        Replace(ref _exitWatch, watch, stoppingToken);

    public void StopExitWatch() => Cancel(ref _exitWatch);

    // One background loop per slot: a new one cancels the one before it.
    private static void Replace(ref CancellationTokenSource? slot, Func<CancellationToken, Task> loop, CancellationToken stoppingToken)
    {
        Cancel(ref slot);
        slot = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        _ = loop(slot.Token);
    }

    private static void Cancel(ref CancellationTokenSource? slot)
    {
        slot?.Cancel();
        slot?.Dispose();
        slot = null;
    }
}

/// <summary>A restart the budget refused, and when the next one is allowed.</summary>
internal sealed record SpentBudget(DateTimeOffset Until, string Reason);
