using Care2Connect.Api.Data;
using Care2Connect.Api.Data.Resilience;
using Care2Connect.Api.Recovery;
using Care2Connect.Api.SpeechIntelligence;
using Care2Connect.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Care2Connect.Tests.Unit;

public sealed class RecoveryDefaultsTests
{
    [Fact]
    public void Defaults_are_the_documented_production_values()
    {
        var recovery = new RecoveryOptions();
        Assert.Equal(TimeSpan.FromSeconds(60), recovery.CheckInterval);
        Assert.Equal(TimeSpan.FromMinutes(5), recovery.Cooldown);
        Assert.True(recovery.AutoRecover);
        Assert.Equal(TimeSpan.FromSeconds(5), recovery.ProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), recovery.ActionTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), recovery.StoreTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), new ExternalDependencyOptions().Timeout);
        Assert.False(new ExternalDependencyOptions().Critical);

        var speech = new SpeechIntelligenceOptions();
        Assert.Equal(TimeSpan.FromHours(1), speech.RetentionInterval);
        Assert.Equal(TimeSpan.FromMinutes(5), speech.SmokeTestInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), speech.JobTimeout);
    }
}

/// <summary>
/// The recovery service's rules with components the test controls and time it drives. The store runs on this
/// process's memory (no schema: the database is "down"), which is also how it behaves during an outage.
/// </summary>
public sealed class RecoveryCoordinatorTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeComponent _database = new("database", critical: true, action: "clear-connection-pool");
    private readonly FakeComponent _jobs = new("jobs", critical: false, action: "restart");
    private readonly FakeComponent _payments = new("payments", critical: true, action: null);
    private readonly ServiceProvider _services;

    public RecoveryCoordinatorTests()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddLogging();
        services.AddMetrics();
        services.AddHttpClient();
        services.AddOptions<RecoveryOptions>();
        services.AddOptions<DatabaseResilienceOptions>();
        services.AddSingleton<IHostApplicationLifetime, StubLifetime>();
        services.AddSingleton<MigrationState>();
        services.AddSingleton<DatabaseMetrics>();
        services.AddSingleton<DatabaseCircuitBreaker>();
        services.AddSingleton<IRecoverableComponent>(_database);
        services.AddSingleton<IRecoverableComponent>(_jobs);
        services.AddSingleton<IRecoverableComponent>(_payments);
        services.AddSingleton<ComponentRegistry>();
        services.AddSingleton<ResilientDatabase>();
        services.AddSingleton<RecoveryDatabase>();
        services.AddSingleton<RecoveryHistory>();
        services.AddSingleton<RecoveryCooldown>();
        services.AddSingleton<RecoveryMetrics>();
        services.AddSingleton<RecoveryCoordinator>();
        _services = services.BuildServiceProvider();
    }

    private RecoveryCoordinator Coordinator => _services.GetRequiredService<RecoveryCoordinator>();

    [Fact]
    public async Task An_action_counts_as_success_only_when_the_component_probes_healthy_afterwards()
    {
        _database.Status = ComponentStatus.Unhealthy;
        _database.OnRecover = component => component.Status = ComponentStatus.Healthy;
        _jobs.Status = ComponentStatus.Unhealthy; // the restart does not help

        var attempt = Completed(await Coordinator.RunAsync(Admin("two down"), CancellationToken.None));

        Assert.Equal(RecoveryOutcome.Failed, attempt.Outcome);
        var database = attempt.Components.Single(c => c.Component == "database");
        Assert.Equal(RecoveryOutcome.Succeeded, database.Outcome);
        Assert.Equal(ComponentStatus.Unhealthy, database.Before.Status);
        Assert.Equal(ComponentStatus.Healthy, database.After!.Status);
        var jobs = attempt.Components.Single(c => c.Component == "jobs");
        Assert.Equal(RecoveryOutcome.Failed, jobs.Outcome);
        Assert.Equal("still unhealthy after restart: broken", jobs.Detail);
        Assert.Equal(1, _jobs.Recoveries);
        Assert.Equal("database recovered; jobs still unhealthy", attempt.Summary);
    }

    [Fact]
    public async Task A_component_without_a_local_action_or_already_healthy_is_skipped_never_a_success()
    {
        _payments.Status = ComponentStatus.Unhealthy;

        var attempt = Completed(await Coordinator.RunAsync(Admin("payments down"), CancellationToken.None));

        Assert.Equal(RecoveryOutcome.Skipped, attempt.Outcome);
        Assert.All(attempt.Components, c => Assert.Equal(RecoveryOutcome.Skipped, c.Outcome));
        Assert.Equal("no local action: this process cannot repair it", attempt.Components.Single(c => c.Component == "payments").Detail);
        Assert.Equal("healthy before acting", attempt.Components.Single(c => c.Component == "database").Detail);
        Assert.Equal(0, _database.Recoveries);
    }

    [Fact]
    public async Task A_throwing_action_is_a_failure_and_the_component_is_probed_again()
    {
        _database.Status = ComponentStatus.Unhealthy;
        _database.OnRecover = _ => throw new InvalidOperationException("boom");

        var attempt = Completed(await Coordinator.RunAsync(Admin("db"), CancellationToken.None));

        var database = attempt.Components.Single(c => c.Component == "database");
        Assert.Equal(RecoveryOutcome.Failed, database.Outcome);
        Assert.Equal("clear-connection-pool failed (InvalidOperationException)", database.Detail);
        Assert.Equal(2, _database.Probes);
    }

    [Fact]
    public async Task The_cooldown_spaces_attempts_that_found_something_unhealthy_and_force_overrides_it()
    {
        _database.Status = ComponentStatus.Unhealthy;
        Completed(await Coordinator.RunAsync(Admin("first"), CancellationToken.None));

        var refused = Assert.IsType<RecoveryCoolingDown>(await Coordinator.RunAsync(Admin("second"), CancellationToken.None));
        Assert.Equal(TimeSpan.FromMinutes(5), refused.RetryAfter);

        _time.Advance(TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(59));
        Assert.Equal(TimeSpan.FromSeconds(1), Assert.IsType<RecoveryCoolingDown>(await Coordinator.RunAsync(Admin("third"), CancellationToken.None)).RetryAfter);

        var forced = Completed(await Coordinator.RunAsync(Admin("forced") with { Force = true }, CancellationToken.None));
        Assert.Equal(2, _database.Recoveries);

        // A forced attempt restarts the cooldown.
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.IsType<RecoveryCoolingDown>(await Coordinator.RunAsync(Admin("after forced"), CancellationToken.None));
        _time.Advance(TimeSpan.FromMinutes(5));
        Completed(await Coordinator.RunAsync(Admin("later"), CancellationToken.None));
        Assert.Equal(3, _database.Recoveries);
        Assert.NotEqual(Guid.Empty, forced.Id);
    }

    [Fact]
    public async Task Finding_nothing_to_recover_is_recorded_but_starts_no_cooldown()
    {
        var nothing = Completed(await Coordinator.RunAsync(Admin("just checking"), CancellationToken.None));
        Assert.Equal(RecoveryAttempt.NothingToRecover, nothing.Summary);
        Assert.Equal(RecoveryOutcome.Skipped, nothing.Outcome);

        _database.Status = ComponentStatus.Unhealthy;
        var acted = Completed(await Coordinator.RunAsync(Admin("now it broke"), CancellationToken.None));
        Assert.Equal(1, _database.Recoveries);
        Assert.Equal(acted.Id, _services.GetRequiredService<RecoveryHistory>().LastAttempt!.Id);
    }

    [Fact]
    public async Task Requests_arriving_while_an_attempt_runs_join_it()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _database.Status = ComponentStatus.Unhealthy;
        _database.OnRecoverAsync = async component =>
        {
            await release.Task;
            component.Status = ComponentStatus.Healthy;
        };

        var first = Coordinator.RunAsync(Admin("first"), CancellationToken.None);
        await Eventually.HoldsAsync(() => Task.FromResult(_database.Recoveries == 1), "condition never held", TimeSpan.FromSeconds(10));
        var second = Coordinator.RunAsync(new RecoveryRequest(RecoveryTrigger.Monitor, "monitor", "joining"), CancellationToken.None);
        release.SetResult();

        var one = Assert.IsType<RecoveryCompleted>(await first);
        var two = Assert.IsType<RecoveryCompleted>(await second);
        Assert.False(one.Joined);
        Assert.True(two.Joined);
        Assert.Equal(one.Attempt.Id, two.Attempt.Id);
        Assert.Equal(RecoveryTrigger.Admin, two.Attempt.Trigger);
        Assert.Equal(1, _database.Recoveries);
    }

    [Fact]
    public async Task A_dry_run_plans_without_acting_or_recording()
    {
        _database.Status = ComponentStatus.Unhealthy;
        _payments.Status = ComponentStatus.Unhealthy;

        var plan = Assert.IsType<RecoveryPlanned>(await Coordinator.RunAsync(Admin("plan") with { DryRun = true }, CancellationToken.None));

        Assert.Equal("run clear-connection-pool, then probe again", plan.Components.Single(c => c.Component == "database").Plan);
        Assert.Equal("skip: no local action", plan.Components.Single(c => c.Component == "payments").Plan);
        Assert.Equal("skip: not unhealthy", plan.Components.Single(c => c.Component == "jobs").Plan);
        Assert.Equal(0, _database.Recoveries);
        Assert.Null(_services.GetRequiredService<RecoveryHistory>().LastAttempt);
        Completed(await Coordinator.RunAsync(Admin("real"), CancellationToken.None)); // and no cooldown either
    }

    [Fact]
    public async Task The_periodic_check_recovers_only_critical_unhealthy_components_and_only_when_allowed()
    {
        var options = _services.GetRequiredService<IOptionsMonitor<RecoveryOptions>>();
        var checker = new ComponentChecker(
            _services.GetRequiredService<ComponentRegistry>(),
            Coordinator,
            _services.GetRequiredService<RecoveryHistory>(),
            _services.GetRequiredService<RecoveryCooldown>(),
            options,
            _time,
            NullLogger<ComponentChecker>.Instance);
        _jobs.Status = ComponentStatus.Unhealthy;

        await checker.CheckOnceAsync(CancellationToken.None);
        Assert.Equal(0, _jobs.Recoveries);
        Assert.Null(_services.GetRequiredService<RecoveryHistory>().LastAttempt);

        _database.Status = ComponentStatus.Unhealthy;
        _database.OnRecover = component => component.Status = ComponentStatus.Healthy;
        await checker.CheckOnceAsync(CancellationToken.None);
        Assert.Equal(1, _database.Recoveries);
        Assert.Equal(0, _jobs.Recoveries);
        var attempt = _services.GetRequiredService<RecoveryHistory>().LastAttempt!;
        Assert.Equal(RecoveryTrigger.Auto, attempt.Trigger);
        Assert.Equal(["database"], attempt.Components.Select(c => c.Component));

        // Still broken a minute later: the cooldown holds the automatic attempt back.
        _database.OnRecover = null;
        _database.Status = ComponentStatus.Unhealthy;
        _time.Advance(TimeSpan.FromMinutes(1));
        await checker.CheckOnceAsync(CancellationToken.None);
        Assert.Equal(1, _database.Recoveries);
    }

    [Fact]
    public async Task An_attempt_is_one_trace_with_a_span_per_component_action_tagged_with_trigger_outcome_and_breaker_state()
    {
        var activities = new System.Collections.Concurrent.ConcurrentBag<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == RecoveryCoordinator.ActivitySource.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        _database.Status = ComponentStatus.Unhealthy;
        _database.OnRecover = component => component.Status = ComponentStatus.Healthy;
        _jobs.Status = ComponentStatus.Unhealthy;

        var attempt = Completed(await Coordinator.RunAsync(Admin("traced"), CancellationToken.None));

        // Other tests run recoveries in parallel: find this attempt's trace by its id.
        var root = Assert.Single(activities, a => a.OperationName == "recovery.attempt" && (string?)a.GetTagItem("care2connect.recovery.attempt_id") == attempt.Id.ToString());
        Assert.Equal("admin", root.GetTagItem("care2connect.recovery.trigger"));
        Assert.Equal("failed", root.GetTagItem("care2connect.recovery.outcome"));
        Assert.Equal("Closed", root.GetTagItem("care2connect.db.breaker.state"));
        var children = activities.Where(a => a.ParentSpanId == root.SpanId && a.TraceId == root.TraceId).ToDictionary(a => (string)a.GetTagItem("care2connect.recovery.component")!);
        Assert.Equal(["database", "jobs"], children.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("succeeded", children["database"].GetTagItem("care2connect.recovery.outcome"));
        Assert.Equal("clear-connection-pool", children["database"].GetTagItem("care2connect.recovery.action"));
        Assert.Equal("failed", children["jobs"].GetTagItem("care2connect.recovery.outcome"));
        Assert.Equal(System.Diagnostics.ActivityStatusCode.Error, children["jobs"].Status);
        Assert.NotNull(children["jobs"].GetTagItem("care2connect.db.breaker.state"));
    }

    public void Dispose() => _services.Dispose();

    private static RecoveryRequest Admin(string reason) => new(RecoveryTrigger.Admin, "admin#0", reason);

    private static RecoveryAttempt Completed(RecoveryResult result) => Assert.IsType<RecoveryCompleted>(result).Attempt;


    private sealed class FakeComponent(string name, bool critical, string? action) : IRecoverableComponent
    {
        private int _recoveries;

        public ComponentStatus Status { get; set; } = ComponentStatus.Healthy;

        public Action<FakeComponent>? OnRecover { get; set; }

        public Func<FakeComponent, Task>? OnRecoverAsync { get; set; }

        public int Recoveries => Volatile.Read(ref _recoveries);

        public int Probes { get; private set; }

        public string Name => name;

        public bool CriticalByDefault => critical;

        public string? ActionName => action;

        public Task<ProbeResult> ProbeAsync(CancellationToken cancellationToken)
        {
            Probes++;
            return Task.FromResult(new ProbeResult(Status, 1, Status == ComponentStatus.Healthy ? null : "broken", DateTimeOffset.UtcNow));
        }

        public async Task RecoverAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _recoveries);
            OnRecover?.Invoke(this);
            if (OnRecoverAsync is not null)
            {
                await OnRecoverAsync(this);
            }
        }
    }

    private sealed class StubLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
