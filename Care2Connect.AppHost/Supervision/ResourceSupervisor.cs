using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Care2Connect.AppHost.Supervision;

/// <summary>Marks a resource as supervised, with its policy.</summary>
/// <param name="Policy">The restart policy.</param>
public sealed record RestartPolicyAnnotation(RestartPolicy Policy) : IResourceAnnotation;

/// <summary>
/// The AppHost's process supervisor (Aspire has no restart policy of its own). It watches resource state through
/// <see cref="ResourceNotificationService"/>: a supervised resource that exits unexpectedly (non-zero exit code, or
/// failed start) is started again, as is one whose process the <see cref="ProcessExitWatch"/> sees end unasked (sooner
/// than the orchestrator reports it), and one whose liveness probe fails N times in a row is restarted, all through
/// <see cref="ResourceCommandService"/> and within the resource's <see cref="RestartBudget"/>. A stop a user asked
/// for is never undone; a user's start resumes supervision at once. This class watches and decides; the
/// <see cref="RestartLoop"/> restarts, the <see cref="LivenessLoop"/> probes, the <see cref="SupervisorDashboard"/>
/// shows it all in the dashboard.
/// </summary>
internal sealed class ResourceSupervisor : BackgroundService
{
    private readonly DistributedApplicationModel _model;
    private readonly ResourceNotificationService _notifications;
    private readonly RestartLoop _restarts;
    private readonly LivenessLoop _liveness;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, SupervisedResource> _supervised = new(StringComparer.OrdinalIgnoreCase);
    private CancellationToken _stopping;

    public ResourceSupervisor(
        DistributedApplicationModel model,
        ResourceNotificationService notifications,
        ResourceCommandService commands,
        IConfiguration configuration,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        ILogger<ResourceSupervisor> logger)
    {
        _model = model;
        _notifications = notifications;
        _time = time;
        _lifetime = lifetime;
        _logger = logger;
        var file = new SupervisorLogFile(
            configuration["Supervisor:LogDirectory"] is { Length: > 0 } configured ? configured : HostPaths.Logs(),
            time);
        _restarts = new RestartLoop(commands, new SupervisorDashboard(notifications), file, time, logger);
        _liveness = new LivenessLoop(time, logger);
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var resource in _model.Resources)
        {
            if (resource.Annotations.OfType<RestartPolicyAnnotation>().LastOrDefault() is { } annotation)
            {
                var supervised = new SupervisedResource(resource, annotation.Policy);
                _supervised[resource.Name] = supervised;
                WrapUserCommands(supervised);
            }
        }

        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _liveness.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        if (_supervised.IsEmpty)
        {
            return;
        }

        try
        {
            await foreach (var change in _notifications.WatchAsync(stoppingToken))
            {
                if (_supervised.TryGetValue(change.Resource.Name, out var supervised))
                {
                    Observe(supervised, change, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
    }

    private void Observe(SupervisedResource supervised, ResourceEvent change, CancellationToken stoppingToken)
    {
        supervised.ResourceId = change.ResourceId;
        var state = change.Snapshot.State?.Text;
        var pid = change.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value
            && int.TryParse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : (int?)null;

        // The pid can arrive in a later snapshot than the state it belongs to. A new one is watched from then on.
        if (state == KnownResourceStates.Running && pid is { } running && supervised.Pid != running)
        {
            supervised.Pid = running;
            if (supervised.Policy.ExitWatchInterval is { } interval && ProcessExitWatch.IsSupported)
            {
                supervised.StartExitWatch(token => WatchExitAsync(supervised, running, interval, token), stoppingToken);
            }
        }

        if (state == supervised.LastState)
        {
            return;
        }

        Log.ResourceStateSeen(_logger, supervised.Resource.Name, state, change.Snapshot.ExitCode, pid);
        supervised.LastState = state;
        if (state == KnownResourceStates.Running)
        {
            supervised.StartLiveness(
                token => _liveness.RunAsync(supervised, reason => _ = _restarts.RestartAsync(supervised, reason, KnownResourceCommands.RestartCommand, _stopping), token),
                stoppingToken);
            return;
        }

        supervised.StopLiveness();
        supervised.StopExitWatch();
        supervised.Pid = null;
        // An end while a stop, start or restart runs was asked for: a Start deletes the old (dead) executable first,
        // and the orchestrator reports that as Exited too. A start that fails is a crash whoever asked for it.
        var crashed = state == KnownResourceStates.FailedToStart
            || (state is "Exited" or "Finished" && change.Snapshot.ExitCode is not null and not 0 && Volatile.Read(ref supervised.CommandsInFlight) == 0);
        if (state is "Exited" or "Finished" && supervised.Spent is not null)
        {
            // The orchestrator's late report of an end the budget refused to restart would hide that it is spent.
            _ = _restarts.ShowSpentAgainAsync(supervised);
        }

        if (state is "Exited" or "Finished" && supervised.ExitHandledPid is { } handled && (pid is null || pid == handled))
        {
            // The orchestrator's report of an end the exit watch saw first and restarted for.
            supervised.ExitHandledPid = null;
            return;
        }

        if (crashed && !supervised.UserStopped)
        {
            var reason = Interlocked.Exchange(ref supervised.PendingReason, null)
                ?? (state == KnownResourceStates.FailedToStart ? "failed to start" : $"exited with code {change.Snapshot.ExitCode}");
            _ = _restarts.RestartAsync(supervised, reason, KnownResourceCommands.StartCommand, stoppingToken);
        }
    }

    // The process ended before the orchestrator said so. Unless someone asked for it (a stop or restart in flight, a
    // user's stop, the AppHost stopping, a restart already under way), it crashed: start it again now.
    private async Task WatchExitAsync(SupervisedResource supervised, int pid, TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            await ProcessExitWatch.WaitForExitAsync(pid, interval, _time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (cancellationToken.IsCancellationRequested
            || _lifetime.ApplicationStopping.IsCancellationRequested
            || supervised.UserStopped
            || Volatile.Read(ref supervised.CommandsInFlight) > 0
            || Volatile.Read(ref supervised.Restarting) == 1)
        {
            return;
        }

        supervised.ExitHandledPid = pid;
        var reason = Interlocked.Exchange(ref supervised.PendingReason, null) ?? $"process {pid} ended";
        _ = _restarts.RestartAsync(supervised, reason, KnownResourceCommands.StartCommand, _stopping);
    }

    // A stop from the dashboard (or any caller but the supervisor) is the user's: never undo it. A start resumes.
    private static void WrapUserCommands(SupervisedResource supervised)
    {
        foreach (var annotation in supervised.Resource.Annotations.OfType<ResourceCommandAnnotation>().ToList())
        {
            var isStop = annotation.Name == KnownResourceCommands.StopCommand;
            var isStart = annotation.Name is var name && (name == KnownResourceCommands.StartCommand || name == KnownResourceCommands.RestartCommand);
            if (!isStop && !isStart)
            {
                continue;
            }

            var original = annotation.ExecuteCommand;
            var wrapped = new ResourceCommandAnnotation(
                annotation.Name,
                annotation.DisplayName,
                annotation.UpdateState,
                async context =>
                {
                    if (!RestartLoop.IsActing.Value)
                    {
                        supervised.UserStopped = isStop;
                        if (isStart)
                        {
                            supervised.Resume?.Cancel();
                        }
                    }

                    Interlocked.Increment(ref supervised.CommandsInFlight);
                    try
                    {
                        return await original(context);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref supervised.CommandsInFlight);
                    }
                },
                annotation.DisplayDescription,
                annotation.Arguments,
                annotation.ConfirmationMessage,
                annotation.IconName,
                annotation.IconVariant,
                annotation.IsHighlighted,
                annotation.Visibility,
                annotation.ValidateArguments);
            supervised.Resource.Annotations.Remove(annotation);
            supervised.Resource.Annotations.Add(wrapped);
        }
    }
}
