using Microsoft.Extensions.Options;

namespace Care2Connect.Monitor.Alerts;

/// <summary>
/// Turns what the checks engine reports into alerts: DOWN when a component goes down, a resolved notice (UP, with
/// how long it was down) when it comes back, a reminder every <see cref="AlertOptions.ReminderInterval"/> since the
/// last alert while it stays down, and the engine's own alerts (flapping, recovery failed) as they come. Nothing is
/// sent while maintenance is on. Every method only queues: delivery, with its retries, is <see cref="AlertSender"/>'s.
/// </summary>
internal sealed class AlertDispatcher(
    AlertQueue queue,
    MaintenanceState maintenance,
    MonitorLogFile file,
    IOptions<AlertOptions> options,
    TimeProvider time,
    ILogger<AlertDispatcher> logger) : IMonitorSink, IDisposable
{
    // One lock for the outages and for publishing, so a component's alerts are queued in the order they happened
    // (a reminder racing a recovery never lands after the resolved notice).
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Outage> _outages = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeSpan _reminderInterval = options.Value.ReminderInterval;

    public ValueTask OnObservationAsync(Observation observation, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask OnRecoveryRequestAsync(RecoveryRequestRecord request, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask OnTransitionAsync(Transition transition, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (transition.To == ComponentState.Down && transition.From != ComponentState.Down)
            {
                EndOutage(transition.Component);
                var outage = new Outage(transition.Component, transition.At, transition.Fault);
                outage.Reminder = time.CreateTimer(Remind, outage, _reminderInterval, _reminderInterval);
                _outages[transition.Component] = outage;
                Publish(AlertTexts.Down(transition));
            }
            else if (transition.From == ComponentState.Down && transition.To != ComponentState.Down)
            {
                var since = EndOutage(transition.Component)?.Since;

                // DOWN to UNKNOWN (a check disabled, say) ends the reminders but resolves nothing.
                if (transition.To == ComponentState.Up)
                {
                    Publish(AlertTexts.Up(transition, since));
                }
            }

            // UNKNOWN to UP (the first verdict after start) is no news.
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask OnAlertAsync(Alert alert, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_outages.TryGetValue(alert.Component, out var outage))
            {
                outage.Reminder?.Change(_reminderInterval, _reminderInterval);
            }

            Publish(alert);
        }

        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var outage in _outages.Values)
            {
                outage.Reminder?.Dispose();
            }

            _outages.Clear();
        }
    }

    private void Remind(object? state)
    {
        var outage = (Outage)state!;
        lock (_gate)
        {
            if (_outages.TryGetValue(outage.Component, out var current) && current == outage)
            {
                Publish(AlertTexts.Reminder(outage.Component, outage.Since, outage.Fault, time.GetUtcNow()));
            }
        }
    }

    private Outage? EndOutage(string component)
    {
        if (_outages.Remove(component, out var outage))
        {
            outage.Reminder?.Dispose();
            return outage;
        }

        return null;
    }

    private void Publish(Alert alert)
    {
        if (maintenance.IsActive)
        {
            Log.AlertSuppressed(logger, alert.Kind, alert.Component);
            file.AlertSuppressed(alert);
            return;
        }

        Log.AlertRaised(logger, alert.Kind, alert.Component, alert.Message);
        file.AlertRaised(alert);
        queue.Enqueue(alert);
    }

    private sealed class Outage(string component, DateTimeOffset since, Fault fault)
    {
        public string Component { get; } = component;

        public DateTimeOffset Since { get; } = since;

        public Fault Fault { get; } = fault;

        public ITimer? Reminder { get; set; }
    }
}
