using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Recovery;

/// <summary>
/// Every <see cref="RecoveryOptions.CheckInterval"/>: probes every component (so the health API answers from memory,
/// at once, even while the database is down), writes buffered history, re-reads the shared cooldown, and, when
/// <see cref="RecoveryOptions.AutoRecover"/> is on, recovers critical unhealthy components (cooldown respected).
/// </summary>
internal sealed class ComponentChecker(
    ComponentRegistry registry,
    RecoveryCoordinator coordinator,
    RecoveryHistory history,
    RecoveryCooldown cooldown,
    IOptionsMonitor<RecoveryOptions> options,
    TimeProvider time,
    ILogger<ComponentChecker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var timer = new PeriodicTimer(options.CurrentValue.CheckInterval, time);
        try
        {
            do
            {
                try
                {
                    await CheckOnceAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // An unexpected failure must not end the checks (nor, as an unhandled background exception, the API).
                    Log.ComponentCheckFailed(logger, exception);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    internal async Task CheckOnceAsync(CancellationToken cancellationToken)
    {
        var previous = registry.Latest.ToDictionary(s => s.Name, s => s.Probe.Status, StringComparer.OrdinalIgnoreCase);
        var states = await registry.ProbeAllAsync(cancellationToken);
        foreach (var state in states)
        {
            if (previous.TryGetValue(state.Name, out var was) && was != state.Probe.Status)
            {
                Log.ComponentStatusChanged(logger, state.Name, Words.Of(was), Words.Of(state.Probe.Status), state.Probe.Error ?? "ok");
            }
        }

        await history.FlushAsync(cancellationToken);
        await cooldown.RemainingAsync(cancellationToken);
        await history.RefreshAsync(cancellationToken);

        var critical = states.Where(s => s.Critical && s.Probe.Status == ComponentStatus.Unhealthy).Select(s => s.Name).ToList();
        if (critical.Count == 0 || !options.CurrentValue.AutoRecover)
        {
            return;
        }

        Log.AutoRecoveryStarting(logger, string.Join(", ", critical));
        await coordinator.RunAsync(
            new RecoveryRequest(RecoveryTrigger.Auto, "auto", $"periodic check: critical components unhealthy ({string.Join(", ", critical)})", critical),
            cancellationToken);
    }
}
