using System.Diagnostics;
using System.Diagnostics.Metrics;
using Care2Connect.Api.Data.Resilience;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Recovery;

/// <summary>
/// Runs recovery attempts, whoever asks (the periodic check, an admin, the Monitor, the dashboard). One attempt at a
/// time per process: a request that arrives while one runs joins it and gets its result. Attempts that find
/// something unhealthy are spaced by the shared cooldown unless forced. Every action is verified by probing again;
/// a component with no local action, or already healthy, is recorded as skipped, never as a success.
/// </summary>
internal sealed class RecoveryCoordinator(
    ComponentRegistry registry,
    RecoveryHistory history,
    RecoveryCooldown cooldown,
    DatabaseCircuitBreaker breaker,
    RecoveryMetrics metrics,
    IOptionsMonitor<RecoveryOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<RecoveryCoordinator> logger)
{
    public static readonly ActivitySource ActivitySource = new("Care2Connect.Recovery");

    private readonly Lock _gate = new();
    private Task<RecoveryResult>? _running;

    /// <summary>This process, as recorded with its attempts.</summary>
    public static string Instance { get; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    public async Task<RecoveryResult> RunAsync(RecoveryRequest request, CancellationToken cancellationToken)
    {
        if (request.DryRun)
        {
            return await PlanAsync(request, cancellationToken);
        }

        Task<RecoveryResult> running;
        bool joined;
        lock (_gate)
        {
            joined = _running is { IsCompleted: false };
            if (!joined)
            {
                // Not tied to the caller's request: those who joined must get the result even if the first caller leaves.
                _running = Task.Run(() => RunExclusiveAsync(request, lifetime.ApplicationStopping), CancellationToken.None);
            }

            running = _running!;
        }

        var result = await running.WaitAsync(cancellationToken);
        return joined && result is RecoveryCompleted completed ? completed with { Joined = true } : result;
    }

    private async Task<RecoveryResult> PlanAsync(RecoveryRequest request, CancellationToken cancellationToken)
    {
        var before = await ProbeTargetsAsync(request, cancellationToken);
        var plan = before.Select(state => new PlannedRecovery(
            state.Component.Name,
            state.State.Critical,
            ComponentEvidence.Of(state.State.Probe),
            state.Component.ActionName,
            state.State.Probe.Status != ComponentStatus.Unhealthy ? "skip: not unhealthy"
                : state.Component.ActionName is null ? "skip: no local action"
                : $"run {state.Component.ActionName}, then probe again"))
            .ToList();
        var remaining = await cooldown.RemainingAsync(cancellationToken);
        return new RecoveryPlanned(plan, remaining);
    }

    private async Task<RecoveryResult> RunExclusiveAsync(RecoveryRequest request, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var id = Guid.CreateVersion7(startedAt);
        var trigger = Words.Of(request.Trigger);
        using var activity = ActivitySource.StartActivity("recovery.attempt");
        activity?.SetTag("care2connect.recovery.attempt_id", id.ToString());
        activity?.SetTag("care2connect.recovery.trigger", trigger);
        activity?.SetTag("care2connect.db.breaker.state", breaker.State.ToString());

        if (!request.Force)
        {
            var remaining = await cooldown.RemainingAsync(cancellationToken);
            if (remaining > TimeSpan.Zero)
            {
                return CoolingDown(request, remaining, activity);
            }
        }

        var before = await ProbeTargetsAsync(request, cancellationToken);
        var results = new List<ComponentRecovery>();
        if (before.Any(b => b.State.Probe.Status == ComponentStatus.Unhealthy))
        {
            if (!await cooldown.TryClaimAsync(id, startedAt, request.Force, cancellationToken))
            {
                // Another instance acted in the meantime.
                return CoolingDown(request, await cooldown.RemainingAsync(cancellationToken), activity);
            }

            foreach (var (component, state) in before)
            {
                results.Add(await RecoverAsync(component, state, cancellationToken));
            }
        }
        else
        {
            results.AddRange(before.Select(b => Skip(b.State, b.State.Probe.Status == ComponentStatus.Healthy ? "healthy before acting" : "not unhealthy (degraded): left alone")));
        }

        var outcome = results.Any(r => r.Outcome == RecoveryOutcome.Failed) ? RecoveryOutcome.Failed
            : results.Any(r => r.Outcome == RecoveryOutcome.Succeeded) ? RecoveryOutcome.Succeeded
            : RecoveryOutcome.Skipped;
        var attempt = new RecoveryAttempt(
            id,
            request.Trigger,
            request.Caller,
            request.Reason,
            Instance,
            startedAt,
            Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 1),
            outcome,
            Summarize(results),
            results);

        activity?.SetTag("care2connect.recovery.outcome", Words.Of(outcome));
        activity?.SetStatus(outcome == RecoveryOutcome.Failed ? ActivityStatusCode.Error : ActivityStatusCode.Ok);
        metrics.Attempt(attempt);
        Log.RecoveryAttemptFinished(logger, id, trigger, request.Caller, Words.Of(outcome), attempt.DurationMs, attempt.Summary);
        await history.RecordAsync(attempt, cancellationToken);
        return new RecoveryCompleted(attempt, Joined: false);
    }

    private async Task<ComponentRecovery> RecoverAsync(IRecoverableComponent component, ComponentSnapshot before, CancellationToken cancellationToken)
    {
        if (before.Probe.Status != ComponentStatus.Unhealthy)
        {
            return Skip(before, before.Probe.Status == ComponentStatus.Healthy ? "healthy before acting" : "not unhealthy (degraded): left alone");
        }

        if (component.ActionName is not { } action)
        {
            return Skip(before, "no local action: this process cannot repair it");
        }

        using var activity = ActivitySource.StartActivity($"recovery.component {component.Name}");
        activity?.SetTag("care2connect.recovery.component", component.Name);
        activity?.SetTag("care2connect.recovery.action", action);
        activity?.SetTag("care2connect.db.breaker.state", breaker.State.ToString());
        var started = time.GetTimestamp();
        string? actionError = null;
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(options.CurrentValue.ActionTimeout);
            await component.RecoverAsync(bounded.Token).WaitAsync(options.CurrentValue.ActionTimeout, time, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            actionError = exception is TimeoutException or OperationCanceledException
                ? $"{action} did not finish within {options.CurrentValue.ActionTimeout.TotalSeconds:0.#} s"
                : $"{action} failed ({exception.GetType().Name})";
        }

        var after = await registry.ProbeAsync(component, cancellationToken);
        var duration = Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 1);
        var healthy = after.Probe.Status == ComponentStatus.Healthy;
        var outcome = healthy ? RecoveryOutcome.Succeeded : RecoveryOutcome.Failed;
        var detail = healthy
            ? $"healthy again after {action}"
            : actionError ?? $"still {Words.Of(after.Probe.Status)} after {action}: {after.Probe.Error}";
        activity?.SetTag("care2connect.recovery.outcome", Words.Of(outcome));
        activity?.SetTag("care2connect.db.breaker.state.after", breaker.State.ToString());
        activity?.SetStatus(healthy ? ActivityStatusCode.Ok : ActivityStatusCode.Error, healthy ? null : detail);
        Log.RecoveryComponentActed(logger, component.Name, action, Words.Of(outcome), detail);
        metrics.ComponentAction(component.Name, outcome, duration);
        return new ComponentRecovery(component.Name, before.Critical, ComponentEvidence.Of(before.Probe), action, ComponentEvidence.Of(after.Probe), outcome, detail, duration);
    }

    private static ComponentRecovery Skip(ComponentSnapshot state, string detail) =>
        new(state.Name, state.Critical, ComponentEvidence.Of(state.Probe), null, null, RecoveryOutcome.Skipped, detail, 0);

    private RecoveryCoolingDown CoolingDown(RecoveryRequest request, TimeSpan remaining, Activity? activity)
    {
        activity?.SetTag("care2connect.recovery.outcome", "cooldown");
        Log.RecoveryCoolingDown(logger, Words.Of(request.Trigger), request.Caller, remaining);
        metrics.CooledDown(request.Trigger);
        return new RecoveryCoolingDown(remaining);
    }

    private async Task<IReadOnlyList<(IRecoverableComponent Component, ComponentSnapshot State)>> ProbeTargetsAsync(RecoveryRequest request, CancellationToken cancellationToken)
    {
        var targets = request.Components is { Count: > 0 } names
            ? registry.Components.Where(c => names.Contains(c.Name, StringComparer.OrdinalIgnoreCase)).ToList()
            : [.. registry.Components];
        var states = await Task.WhenAll(targets.Select(c => registry.ProbeAsync(c, cancellationToken)));
        return [.. targets.Zip(states)];
    }

    private static string Summarize(IReadOnlyList<ComponentRecovery> results)
    {
        if (results.All(r => r.Outcome == RecoveryOutcome.Skipped && r.Before.Status != ComponentStatus.Unhealthy))
        {
            return RecoveryAttempt.NothingToRecover;
        }

        var parts = results
            .Where(r => r.Before.Status == ComponentStatus.Unhealthy)
            .Select(r => r.Outcome switch
            {
                RecoveryOutcome.Succeeded => $"{r.Component} recovered",
                RecoveryOutcome.Failed => $"{r.Component} still unhealthy",
                _ => $"{r.Component} skipped ({r.Detail})",
            });
        return string.Join("; ", parts);
    }
}

/// <summary>Recovery metrics on the <c>Care2Connect.Recovery</c> meter.</summary>
internal sealed class RecoveryMetrics
{
    public const string MeterName = "Care2Connect.Recovery";

    private readonly Counter<long> _attempts;
    private readonly Counter<long> _components;
    private readonly Histogram<double> _timeToRecover;
    private readonly Counter<long> _cooledDown;

    public RecoveryMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _attempts = meter.CreateCounter<long>("care2connect.recovery.attempts", "{attempt}", "Recovery attempts, by trigger and outcome.");
        _components = meter.CreateCounter<long>("care2connect.recovery.component.actions", "{action}", "Component recovery actions, by component and verified outcome.");
        _timeToRecover = meter.CreateHistogram<double>("care2connect.recovery.component.duration", "s", "Time from a recovery action's start to its verifying probe.");
        _cooledDown = meter.CreateCounter<long>("care2connect.recovery.cooldown_rejections", "{request}", "Recovery requests refused inside the cooldown, by trigger.");
    }

    public void Attempt(RecoveryAttempt attempt) =>
        _attempts.Add(1, new("care2connect.recovery.trigger", Words.Of(attempt.Trigger)), new("care2connect.recovery.outcome", Words.Of(attempt.Outcome)));

    public void ComponentAction(string component, RecoveryOutcome outcome, double durationMs)
    {
        var tags = new TagList { { "care2connect.recovery.component", component }, { "care2connect.recovery.outcome", Words.Of(outcome) } };
        _components.Add(1, tags);
        _timeToRecover.Record(durationMs / 1000, tags);
    }

    public void CooledDown(RecoveryTrigger trigger) => _cooledDown.Add(1, new KeyValuePair<string, object?>("care2connect.recovery.trigger", Words.Of(trigger)));
}
