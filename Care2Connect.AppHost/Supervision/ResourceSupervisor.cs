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
/// failed start) is started again, and one whose liveness probe fails N times in a row is restarted, both through
/// <see cref="ResourceCommandService"/> and within the resource's <see cref="RestartBudget"/>. A stop a user asked
/// for is never undone; a user's start resumes supervision at once.
/// </summary>
internal sealed class ResourceSupervisor(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<ResourceSupervisor> logger) : BackgroundService
{
    private static readonly AsyncLocal<bool> SupervisorIsActing = new();
    private readonly ConcurrentDictionary<string, Supervised> _supervised = new(StringComparer.OrdinalIgnoreCase);
    private readonly HttpClient _probeClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) });
    private SupervisorLogFile? _file;
    private CancellationToken _stopping;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _file = new SupervisorLogFile(
            configuration["Supervisor:LogDirectory"] is { Length: > 0 } configured ? configured : HostPaths.Logs(),
            time);
        foreach (var resource in model.Resources)
        {
            if (resource.Annotations.OfType<RestartPolicyAnnotation>().LastOrDefault() is { } annotation)
            {
                var supervised = new Supervised(resource, annotation.Policy);
                _supervised[resource.Name] = supervised;
                WrapUserCommands(supervised);
            }
        }

        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _probeClient.Dispose();
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
            await foreach (var change in notifications.WatchAsync(stoppingToken))
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

    private void Observe(Supervised supervised, ResourceEvent change, CancellationToken stoppingToken)
    {
        supervised.ResourceId = change.ResourceId;
        var state = change.Snapshot.State?.Text;

        // The pid can arrive in a later snapshot than the state it belongs to.
        if (state == KnownResourceStates.Running
            && change.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } pid
            && int.TryParse(pid.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            supervised.Pid = value;
        }

        if (state == supervised.LastState)
        {
            return;
        }

        supervised.LastState = state;
        if (state == KnownResourceStates.Running)
        {
            supervised.StartLiveness(token => LivenessLoopAsync(supervised, token), stoppingToken);
            return;
        }

        supervised.StopLiveness();
        supervised.Pid = null;
        var crashed = state == KnownResourceStates.FailedToStart
            || (state is "Exited" or "Finished" && change.Snapshot.ExitCode is not null and not 0);
        if (crashed && !supervised.UserStopped)
        {
            var reason = Interlocked.Exchange(ref supervised.PendingReason, null)
                ?? (state == KnownResourceStates.FailedToStart ? "failed to start" : $"exited with code {change.Snapshot.ExitCode}");
            _ = RestartAsync(supervised, reason, KnownResourceCommands.StartCommand, stoppingToken);
        }
    }

    private async Task RestartAsync(Supervised supervised, string reason, string command, CancellationToken stoppingToken)
    {
        if (Interlocked.Exchange(ref supervised.Restarting, 1) == 1)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested && !supervised.UserStopped)
            {
                var now = time.GetUtcNow();
                if (supervised.Budget.Remaining(now) == 0)
                {
                    var nextAllowed = supervised.Budget.NextAllowedAt(now);
                    var message = string.Create(CultureInfo.InvariantCulture,
                        $"{supervised.Resource.Name}: restart budget spent ({supervised.Policy.MaxRestarts} per {supervised.Policy.Window}); not restarting after '{reason}'. Next restart allowed at {nextAllowed:yyyy-MM-dd HH:mm:ss} UTC, or start it from the dashboard.");
                    Log.BudgetSpent(logger, message);
                    WriteFile("CRITICAL", message);
                    await PublishAsync(supervised, reason, budgetSpentUntil: nextAllowed);
                    supervised.Resume = new CancellationTokenSource();
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, supervised.Resume.Token);
                    try
                    {
                        await Task.Delay(nextAllowed - now, time, wait.Token);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                        // A user started it: supervision resumes with the resource as the user left it.
                        return;
                    }

                    if (supervised.LastState == KnownResourceStates.Running)
                    {
                        return;
                    }

                    continue;
                }

                var delay = supervised.Budget.Backoff(now, Random.Shared.NextDouble());
                await Task.Delay(delay, time, stoppingToken);
                if (supervised.UserStopped || (command == KnownResourceCommands.StartCommand && supervised.LastState == KnownResourceStates.Running))
                {
                    return;
                }

                supervised.Budget.TryConsume(time.GetUtcNow());
                supervised.LastRestartAt = time.GetUtcNow();
                var text = $"{supervised.Resource.Name}: {reason}; restarting ({supervised.Budget.RestartsInWindow(time.GetUtcNow())} of {supervised.Policy.MaxRestarts} in the window)";
                Log.Restarting(logger, text);
                WriteFile("WARN", text);
                await PublishAsync(supervised, reason, budgetSpentUntil: null);

                SupervisorIsActing.Value = true;
                var result = await commands.ExecuteCommandAsync(supervised.ResourceId ?? supervised.Resource.Name, command, stoppingToken);
                SupervisorIsActing.Value = false;
                if (!result.Success && supervised.LastState != KnownResourceStates.Running && !supervised.UserStopped)
                {
                    // A start that failed (e.g. the orchestrator timed out deleting the old process on a saturated
                    // machine) is tried again after the next backoff, within the budget. Its own FailedToStart state
                    // may arrive while this loop still runs, when a new restart cannot begin: so this one goes on.
                    var failure = $"{supervised.Resource.Name}: {command} failed: {result.Message}";
                    Log.RestartFailed(logger, failure);
                    WriteFile("ERROR", failure);
                    reason = $"{command} failed";
                    command = KnownResourceCommands.StartCommand;
                    continue;
                }

                return;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
        finally
        {
            Interlocked.Exchange(ref supervised.Restarting, 0);
        }
    }

    private async Task LivenessLoopAsync(Supervised supervised, CancellationToken cancellationToken)
    {
        if (supervised.Policy.Liveness is not { } probe || supervised.Resource is not IResourceWithEndpoints withEndpoints)
        {
            return;
        }

        try
        {
            var started = time.GetUtcNow();
            await Task.Delay(probe.InitialDelay, time, cancellationToken);
            using var timer = new PeriodicTimer(probe.Period, time);
            var failures = 0;
            var cameUp = false;
            do
            {
                if (await ProbeAsync(withEndpoints, probe, cancellationToken))
                {
                    cameUp = true;
                    failures = 0;
                }
                else if (cameUp || time.GetUtcNow() - started >= probe.StartupTimeout)
                {
                    failures++;
                }

                if (failures >= probe.FailureThreshold)
                {
                    var reason = $"liveness probe {probe.Path} failed {failures} times in a row";
                    if (supervised.Pid is { } pid)
                    {
                        // A hung process may not react to a stop (SIGSTOP, a deadlock): kill its whole tree, and
                        // the exit is then handled like any crash, within the budget.
                        supervised.PendingReason = reason;
                        KillTree(pid);
                    }
                    else
                    {
                        _ = RestartAsync(supervised, reason, KnownResourceCommands.RestartCommand, _stopping);
                    }

                    return;
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The resource stopped running, or the AppHost is stopping.
        }
    }

    // The file is for people grepping after the fact; failing to write it must never stop a restart.
    private void WriteFile(string level, string message)
    {
        try
        {
            _file?.Write(level, message);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Log.SupervisorLogUnwritable(logger, _file?.CurrentPath, exception.Message);
        }
    }

    private void KillTree(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            Log.KillFailed(logger, pid, exception.Message);
        }
    }

    private async Task<bool> ProbeAsync(IResourceWithEndpoints resource, LivenessProbe probe, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(probe.Timeout);
        try
        {
            var url = new Uri(new Uri(resource.GetEndpoint(probe.EndpointName).Url), probe.Path);
            using var response = await _probeClient.GetAsync(url, timeout.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private Task PublishAsync(Supervised supervised, string reason, DateTimeOffset? budgetSpentUntil)
    {
        var now = time.GetUtcNow();
        return notifications.PublishUpdateAsync(supervised.Resource, snapshot => snapshot with
        {
            State = budgetSpentUntil is { } until
                ? new ResourceStateSnapshot($"Restart budget spent until {until:HH:mm:ss} UTC", KnownResourceStateStyles.Error)
                : snapshot.State,
            Properties = WithProperty(
                WithProperty(
                    WithProperty(
                        WithProperty(snapshot.Properties, "supervisor.restarts_in_window", supervised.Budget.RestartsInWindow(now)),
                        "supervisor.budget_left",
                        supervised.Budget.Remaining(now)),
                    "supervisor.last_restart_reason",
                    reason),
                "supervisor.last_restart_at",
                supervised.LastRestartAt?.ToString("u", CultureInfo.InvariantCulture) ?? "never"),
        });
    }

    private static System.Collections.Immutable.ImmutableArray<ResourcePropertySnapshot> WithProperty(
        System.Collections.Immutable.ImmutableArray<ResourcePropertySnapshot> properties, string name, object value)
    {
        var existing = properties.FirstOrDefault(p => p.Name == name);
        var updated = new ResourcePropertySnapshot(name, value);
        return existing is null ? properties.Add(updated) : properties.Replace(existing, updated);
    }

    // A stop from the dashboard (or any caller but the supervisor) is the user's: never undo it. A start resumes.
    private static void WrapUserCommands(Supervised supervised)
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
                    if (!SupervisorIsActing.Value)
                    {
                        supervised.UserStopped = isStop;
                        if (isStart)
                        {
                            supervised.Resume?.Cancel();
                        }
                    }

                    return await original(context);
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

    private sealed class Supervised(IResource resource, RestartPolicy policy)
    {
        private CancellationTokenSource? _liveness;

        public int Restarting;

        public IResource Resource { get; } = resource;

        public RestartPolicy Policy { get; } = policy;

        public RestartBudget Budget { get; } = new(policy);

        public string? ResourceId { get; set; }

        public string? LastState { get; set; }

        public int? Pid { get; set; }

        public string? PendingReason;

        public volatile bool UserStopped;

        public DateTimeOffset? LastRestartAt { get; set; }

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
}
