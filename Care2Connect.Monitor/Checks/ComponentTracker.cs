namespace Care2Connect.Monitor.Checks;

/// <summary>
/// One component's state machine: DOWN after <c>failuresBeforeDown</c> failed probes in a row, UP again after
/// <c>successesBeforeUp</c> successes in a row. At startup (Unknown) the first success is enough for UP: there is
/// nothing to confirm a recovery from.
/// </summary>
internal sealed class ComponentTracker(string name, string check)
{
    public string Name => name;

    public string Check { get; private set; } = check;

    public ComponentState State { get; private set; } = ComponentState.Unknown;

    public DateTimeOffset? Since { get; private set; }

    public int ConsecutiveFailures { get; private set; }

    public int ConsecutiveSuccesses { get; private set; }

    public double? LastLatencyMs { get; private set; }

    public DateTimeOffset? LastCheckedAt { get; private set; }

    public string? LastError { get; private set; }

    /// <summary>Takes the state a previous run of the Monitor ended in, so a restart neither forgets an outage nor re-announces it.</summary>
    public void Restore(ComponentState state, DateTimeOffset since)
    {
        State = state;
        Since = since;
    }

    /// <returns>The new state when this observation changed it.</returns>
    public ComponentState? Observe(Observation observation, string byCheck, int failuresBeforeDown, int successesBeforeUp)
    {
        Check = byCheck;
        LastCheckedAt = observation.At;
        LastLatencyMs = observation.LatencyMs ?? LastLatencyMs;
        LastError = observation.Error;
        if (observation.Success)
        {
            ConsecutiveSuccesses++;
            ConsecutiveFailures = 0;
            var up = State == ComponentState.Unknown || (State == ComponentState.Down && ConsecutiveSuccesses >= successesBeforeUp);
            return up ? MoveTo(ComponentState.Up, observation.At) : null;
        }

        ConsecutiveFailures++;
        ConsecutiveSuccesses = 0;
        return State != ComponentState.Down && ConsecutiveFailures >= failuresBeforeDown ? MoveTo(ComponentState.Down, observation.At) : null;
    }

    public ComponentSnapshot Snapshot(bool autoRecoveryPaused) =>
        new(name, Check, State, Since, LastLatencyMs, LastCheckedAt, LastError, ConsecutiveFailures, ConsecutiveSuccesses, autoRecoveryPaused);

    private ComponentState MoveTo(ComponentState state, DateTimeOffset at)
    {
        State = state;
        Since = at;
        return state;
    }
}

/// <summary>Names the likely fault from the three vantage points: the API, the tunnel, the public site.</summary>
internal static class FaultLocator
{
    public static Fault Locate(ComponentState api, ComponentState tunnel, ComponentState publicSite) =>
        api == ComponentState.Down ? Fault.OriginDown
        : tunnel == ComponentState.Down ? Fault.TunnelDown
        : publicSite == ComponentState.Down ? Fault.EdgeOrDns
        : Fault.None;

    public static string Explain(Fault fault) => fault switch
    {
        Fault.OriginDown => "origin down: the API is not answering",
        Fault.TunnelDown => "tunnel down: cloudflared is not connected",
        Fault.EdgeOrDns => "edge or DNS: the API and the tunnel are fine but the public URL fails",
        _ => "none",
    };
}
