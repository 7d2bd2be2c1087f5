namespace Care2Connect.AppHost.Supervision;

/// <summary>What the supervisor knows of one supervised resource, shared by its watch, restart loop and liveness loop.</summary>
internal sealed class SupervisedResource(IResource resource, RestartPolicy policy)
{
    private CancellationTokenSource? _liveness;

    /// <summary>1 while a restart loop runs for the resource (at most one does).</summary>
    public int Restarting;

    /// <summary>Why the liveness loop killed the process, for the crash that follows.</summary>
    public string? PendingReason;

    /// <summary>The user stopped it: never undo that.</summary>
    public volatile bool UserStopped;

    public IResource Resource { get; } = resource;

    public RestartPolicy Policy { get; } = policy;

    public RestartBudget Budget { get; } = new(policy);

    public string? ResourceId { get; set; }

    public string? LastState { get; set; }

    public int? Pid { get; set; }

    public DateTimeOffset? LastRestartAt { get; set; }

    /// <summary>Cancelled by a user's start while the restart budget is spent: supervision resumes at once.</summary>
    public CancellationTokenSource? Resume { get; set; }

    public void StartLiveness(Func<CancellationToken, Task> loop, CancellationToken stoppingToken)
    {
        StopLiveness();
        _liveness = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        _ = loop(_liveness.Token);
    }

    public void StopLiveness()
    {
        _liveness?.Cancel();
        _liveness?.Dispose();
        _liveness = null;
    }
}
