namespace Care2Connect.Monitor;

/// <summary>
/// The maintenance switch: while on, the Monitor keeps checking and recording but takes no action (no recovery
/// requests) and sends no alerts. Starts from <c>Monitor:Maintenance</c>; an admin can flip it at run time.
/// </summary>
internal sealed class MaintenanceState(TimeProvider time)
{
    private readonly Lock _gate = new();
    private MaintenanceStatus _status = new(false, null, null);

    public bool IsActive
    {
        get
        {
            lock (_gate)
            {
                return _status.Active;
            }
        }
    }

    public MaintenanceStatus Status
    {
        get
        {
            lock (_gate)
            {
                return _status;
            }
        }
    }

    public MaintenanceStatus Set(bool active, string? reason)
    {
        lock (_gate)
        {
            if (_status.Active != active)
            {
                _status = new MaintenanceStatus(active, active ? reason : null, active ? time.GetUtcNow() : null);
            }

            return _status;
        }
    }
}
