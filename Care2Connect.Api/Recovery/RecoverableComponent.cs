namespace Care2Connect.Api.Recovery;

/// <summary>Health of a component, in the words the health API uses.</summary>
internal enum ComponentStatus
{
    Unknown,
    Healthy,
    Degraded,
    Unhealthy,
}

/// <summary>What one probe of a component saw.</summary>
internal sealed record ProbeResult(ComponentStatus Status, double? LatencyMs, string? Error, DateTimeOffset CheckedAt)
{
    public static ProbeResult NotChecked { get; } = new(ComponentStatus.Unknown, null, "not checked yet", DateTimeOffset.MinValue);
}

/// <summary>
/// Something the API depends on: it can be probed and, where a local action exists, recovered. The recovery service
/// never trusts an action: it probes again afterwards and only a healthy probe counts as success.
/// </summary>
internal interface IRecoverableComponent
{
    string Name { get; }

    /// <summary>Whether an unhealthy probe makes the whole API unhealthy, unless configuration says otherwise.</summary>
    bool CriticalByDefault { get; }

    /// <summary>The action's name (for the record), or null when there is nothing this process can do.</summary>
    string? ActionName { get; }

    Task<ProbeResult> ProbeAsync(CancellationToken cancellationToken);

    Task RecoverAsync(CancellationToken cancellationToken);
}
