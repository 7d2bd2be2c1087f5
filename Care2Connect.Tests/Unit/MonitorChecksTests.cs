using System.Net;
using System.Text;
using System.Text.Json;
using Care2Connect.Monitor;
using Care2Connect.Monitor.Checks;
using Care2Connect.Monitor.Probing;
using Microsoft.Extensions.Configuration;
using Care2Connect.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Care2Connect.Tests.Unit;

public sealed class MonitorDefaultsTests
{
    [Fact]
    public void Defaults_are_the_documented_production_values()
    {
        var monitor = new MonitorOptions();
        Assert.Equal(3, monitor.FailuresBeforeDown);
        Assert.Equal(2, monitor.SuccessesBeforeUp);
        Assert.Equal(TimeSpan.FromSeconds(60), monitor.DefaultInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), monitor.EdgeInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), monitor.DefaultTimeout);
        Assert.False(monitor.Maintenance);

        var recovery = new MonitorRecoveryOptions();
        Assert.Equal(TimeSpan.FromMinutes(5), recovery.Cooldown);
        Assert.Equal(3, recovery.FlappingThreshold);
        Assert.Equal(TimeSpan.FromMinutes(30), recovery.FlappingWindow);
    }
}

public sealed class ComponentTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Down_after_the_configured_failures_in_a_row_and_up_after_the_configured_successes()
    {
        var tracker = new ComponentTracker("database", "api-status");
        Assert.Equal(ComponentState.Up, tracker.Observe(Ok(0), "api-status", 3, 2));

        Assert.Null(tracker.Observe(Fail(1), "api-status", 3, 2));
        Assert.Null(tracker.Observe(Fail(2), "api-status", 3, 2));
        Assert.Null(tracker.Observe(Ok(3), "api-status", 3, 2)); // a success breaks the streak
        Assert.Null(tracker.Observe(Fail(4), "api-status", 3, 2));
        Assert.Null(tracker.Observe(Fail(5), "api-status", 3, 2));
        Assert.Equal(ComponentState.Down, tracker.Observe(Fail(6), "api-status", 3, 2));
        Assert.Equal(T0.AddSeconds(6), tracker.Since);
        Assert.Null(tracker.Observe(Fail(7), "api-status", 3, 2)); // no second DOWN

        Assert.Null(tracker.Observe(Ok(8), "api-status", 3, 2));
        Assert.Equal(ComponentState.Up, tracker.Observe(Ok(9), "api-status", 3, 2));
        Assert.Null(tracker.Snapshot(false).LastError);
        Assert.Equal(0, tracker.Snapshot(false).ConsecutiveFailures);
    }

    [Fact]
    public void A_restored_down_state_is_not_announced_again()
    {
        var tracker = new ComponentTracker("api", "api-liveness");
        tracker.Restore(ComponentState.Down, T0);

        Assert.Null(tracker.Observe(Fail(1), "api-liveness", 3, 2));
        Assert.Null(tracker.Observe(Fail(2), "api-liveness", 3, 2));
        Assert.Null(tracker.Observe(Fail(3), "api-liveness", 3, 2));
        Assert.Equal(T0, tracker.Since);
    }

    [Theory]
    [InlineData("Down", "Up", "Down", "OriginDown")]
    [InlineData("Down", "Down", "Down", "OriginDown")]
    [InlineData("Up", "Down", "Down", "TunnelDown")]
    [InlineData("Up", "Up", "Down", "EdgeOrDns")]
    [InlineData("Up", "Up", "Up", "None")]
    [InlineData("Unknown", "Unknown", "Unknown", "None")]
    public void The_fault_is_named_from_the_three_vantage_points(string api, string tunnel, string publicSite, string expected) =>
        Assert.Equal(
            Enum.Parse<Fault>(expected),
            FaultLocator.Locate(Enum.Parse<ComponentState>(api), Enum.Parse<ComponentState>(tunnel), Enum.Parse<ComponentState>(publicSite)));

    private static Observation Ok(int second) => new("c", T0.AddSeconds(second), true, 1, null);

    private static Observation Fail(int second) => new("c", T0.AddSeconds(second), false, null, "refused");
}

/// <summary>The Monitor's recovery requests against a scripted API (an in-memory handler), with time it drives.</summary>
public sealed class RecoveryRequesterTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly ScriptedApi _api = new();
    private readonly CollectingSink _sink = new();
    private readonly ServiceProvider _services;

    public RecoveryRequesterTests()
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddOptions<MonitorOptions>().Configure(o => o.AdminKey = "admin-key");
        services.AddOptions<MonitorRecoveryOptions>();
        services.AddOptions<ApiProbeOptions>().Configure(o => o.BaseAddress = new Uri("http://api.test/"));
        services.AddHttpClient(RecoveryRequester.ClientName).ConfigurePrimaryHttpMessageHandler(() => _api);
        services.AddSingleton<MaintenanceState>();
        services.AddSingleton<IMonitorSink>(_sink);
        services.AddSingleton<MonitorEvents>();
        services.AddSingleton<MonitorMetrics>();
        services.AddSingleton<CheckCatalog>();
        services.AddSingleton<RecoveryRequester>();
        _services = services.BuildServiceProvider();
    }

    private RecoveryRequester Requester => _services.GetRequiredService<RecoveryRequester>();

    [Fact]
    public async Task Asks_once_for_critical_components_it_sees_down_and_respects_its_cooldown()
    {
        await Requester.ConsiderAsync(Report(("database", "unhealthy", true), ("speech-intelligence", "unhealthy", false)), Down, Fault.None, default);

        var sent = Assert.Single(_api.Requests);
        Assert.Equal("admin-key", sent.ApiKey);
        Assert.Equal("monitor", sent.Trigger);
        Assert.Equal(["database"], sent.Components);
        var record = Assert.Single(_sink.Requests);
        Assert.Equal("succeeded", record.Outcome);

        _time.Advance(TimeSpan.FromMinutes(4));
        await Requester.ConsiderAsync(Report(("database", "unhealthy", true)), Down, Fault.None, default);
        Assert.Single(_api.Requests);

        _time.Advance(TimeSpan.FromMinutes(1));
        await Requester.ConsiderAsync(Report(("database", "unhealthy", true)), Down, Fault.None, default);
        Assert.Equal(2, _api.Requests.Count);
    }

    [Fact]
    public async Task Never_asks_when_the_api_did_not_answer_or_the_component_is_not_down_yet_or_in_maintenance()
    {
        await Requester.ConsiderAsync(null, Down, Fault.OriginDown, default);
        await Requester.ConsiderAsync(Report(("database", "unhealthy", true)), _ => ComponentState.Up, Fault.None, default);
        _services.GetRequiredService<MaintenanceState>().Set(true, "drill");
        await Requester.ConsiderAsync(Report(("database", "unhealthy", true)), Down, Fault.None, default);

        Assert.Empty(_api.Requests);
    }

    [Fact]
    public async Task A_429_is_an_answer_the_monitor_waits_out_exactly_without_retrying()
    {
        _api.Next = () => new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Headers = { RetryAfter = new(TimeSpan.FromSeconds(40)) } };
        await Requester.ConsiderAsync(Report(("database", "unhealthy", true)), Down, Fault.None, default);
        Assert.Single(_api.Requests);
        Assert.Equal("cooldown", Assert.Single(_sink.Requests).Outcome);

        _time.Advance(TimeSpan.FromSeconds(39));
        await Requester.ConsiderAsync(Report(("database", "unhealthy", true)), Down, Fault.None, default);
        Assert.Single(_api.Requests);

        _api.Next = null;
        _time.Advance(TimeSpan.FromSeconds(1));
        await Requester.ConsiderAsync(Report(("database", "unhealthy", true)), Down, Fault.None, default);
        Assert.Equal(2, _api.Requests.Count);
    }

    [Fact]
    public async Task A_failed_recovery_raises_an_alert_and_flapping_pauses_automatic_recovery_with_one_alert()
    {
        _api.Outcome = "failed";
        for (var i = 0; i < 5; i++)
        {
            await Requester.ConsiderAsync(Report(("database", "unhealthy", true)), Down, Fault.None, default);
            _time.Advance(TimeSpan.FromMinutes(5));
        }

        // 3 requests in 30 minutes, then paused: the 4th and 5th looks send nothing.
        Assert.Equal(3, _api.Requests.Count);
        Assert.Equal(3, _sink.Alerts.Count(a => a.Kind == AlertKind.RecoveryFailed));
        var flapping = Assert.Single(_sink.Alerts, a => a.Kind == AlertKind.Flapping);
        Assert.Equal("database", flapping.Component);
        Assert.True(Requester.IsPaused("database"));

        // Once the window no longer holds 3 requests, automatic recovery resumes.
        _time.Advance(TimeSpan.FromMinutes(30));
        await Requester.ConsiderAsync(Report(("database", "unhealthy", true)), Down, Fault.None, default);
        Assert.Equal(4, _api.Requests.Count);
        Assert.False(Requester.IsPaused("database"));
    }

    public void Dispose()
    {
        _services.Dispose();
        _api.Dispose();
    }

    private static ComponentState Down(string component) => ComponentState.Down;

    private static ApiStatusReport Report(params (string Name, string Status, bool Critical)[] components) =>
        new("unhealthy", [.. components.Select(c => new ApiComponentReport(c.Name, c.Status, c.Critical, null, "x"))]);

    private sealed record SentRequest(string? ApiKey, string? Trigger, string[] Components);

    private sealed class ScriptedApi : HttpMessageHandler
    {
        public List<SentRequest> Requests { get; } = [];

        public Func<HttpResponseMessage>? Next { get; set; }

        public string Outcome { get; set; } = "succeeded";

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken)).RootElement;
            Requests.Add(new SentRequest(
                request.Headers.TryGetValues("X-Api-Key", out var key) ? key.Single() : null,
                request.Headers.TryGetValues("X-Recovery-Trigger", out var trigger) ? trigger.Single() : null,
                [.. body.GetProperty("components").EnumerateArray().Select(c => c.GetString()!)]));
            Assert.Equal(HttpMethod.Post, request.Method);
            Assert.Equal("/health/recover", request.RequestUri!.AbsolutePath);
            if (Next is { } next)
            {
                return next();
            }

            var json = $$"""{"attempt":{"id":"{{Guid.NewGuid()}}","outcome":"{{Outcome}}","summary":"database {{Outcome}}"},"joined":false}""";
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        }
    }

    private sealed class CollectingSink : IMonitorSink
    {
        public List<RecoveryRequestRecord> Requests { get; } = [];

        public List<Alert> Alerts { get; } = [];

        public ValueTask OnObservationAsync(Observation observation, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask OnTransitionAsync(Transition transition, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask OnRecoveryRequestAsync(RecoveryRequestRecord request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return ValueTask.CompletedTask;
        }

        public ValueTask OnAlertAsync(Alert alert, CancellationToken cancellationToken)
        {
            Alerts.Add(alert);
            return ValueTask.CompletedTask;
        }
    }
}

public sealed class MonitorSmallPartsTests
{
    [Fact]
    public async Task The_disk_check_fails_below_the_free_space_threshold()
    {
        var time = new FakeTimeProvider();
        using var client = new HttpClient();
        var roomy = await new DiskCheck(Path.GetTempPath(), 0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 3, 2).RunAsync(client, time, default);
        var impossible = await new DiskCheck(Path.GetTempPath(), 100.0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), 3, 2).RunAsync(client, time, default);

        Assert.True(Assert.Single(roomy.Observations).Success);
        var failed = Assert.Single(impossible.Observations);
        Assert.False(failed.Success);
        Assert.EndsWith("below 100 %", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Maintenance_needs_the_admin_key_compared_in_full()
    {
        var state = new MaintenanceState(new FakeTimeProvider());
        var options = Options.Create(new MonitorOptions { AdminKey = "the-admin-key" });
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger<MaintenanceState>.Instance;

        var wrong = MaintenanceApi.SetMaintenance(new MaintenanceRequest(true, "upgrade"), Request("the-admin-ke"), state, options, logger);
        Assert.Equal(401, Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult>(wrong.Result).StatusCode);
        Assert.False(state.IsActive);

        var right = MaintenanceApi.SetMaintenance(new MaintenanceRequest(true, "upgrade"), Request("the-admin-key"), state, options, logger);
        Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.Ok<MaintenanceStatus>>(right.Result);
        Assert.True(state.IsActive);
        Assert.Equal("upgrade", state.Status.Reason);

        var unconfigured = MaintenanceApi.SetMaintenance(new MaintenanceRequest(false, null), Request(""), state, Options.Create(new MonitorOptions()), logger);
        Assert.Equal(503, Assert.IsType<Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult>(unconfigured.Result).StatusCode);
        Assert.True(state.IsActive);
    }

    [Fact]
    public async Task The_heartbeat_pushes_every_interval()
    {
        var time = new FakeTimeProvider();
        var beats = 0;
        var services = new ServiceCollection();
        services.AddHttpClient(CheckEngine.ProbeClient).ConfigurePrimaryHttpMessageHandler(() => new CountingHandler(() => Interlocked.Increment(ref beats)));
        await using var provider = services.BuildServiceProvider();
        var options = Options.Create(new MonitorOptions { HeartbeatUrl = new Uri("http://heartbeat.test/ping"), HeartbeatInterval = TimeSpan.FromSeconds(60) });
        using var heartbeat = new Heartbeat(provider.GetRequiredService<IHttpClientFactory>(), options, time, Microsoft.Extensions.Logging.Abstractions.NullLogger<Heartbeat>.Instance);

        await heartbeat.StartAsync(default);
        await Eventually.HoldsAsync(() => Task.FromResult(Volatile.Read(ref beats) == 1), "condition never held", TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(59));
        await Task.Delay(50);
        Assert.Equal(1, Volatile.Read(ref beats));
        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.HoldsAsync(() => Task.FromResult(Volatile.Read(ref beats) == 2), "condition never held", TimeSpan.FromSeconds(10));
        await heartbeat.StopAsync(default);
    }

    private static Microsoft.AspNetCore.Http.DefaultHttpContext Request(string key)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Headers["X-Api-Key"] = key;
        return context;
    }


    private sealed class CountingHandler(Action onRequest) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            onRequest();
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}

public sealed class CheckCatalogTests
{
    [Fact]
    public void Builds_the_documented_checks_with_their_intervals_and_extra_urls_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["services:tunnel:metrics:0"] = "http://127.0.0.1:60123",
            ["Tunnel:PublicUrl"] = "https://care2connect.example.org/",
            ["Monitor:Checks:frontend:Url"] = "http://127.0.0.1:3000/",
            ["Monitor:Checks:disk:Interval"] = "00:05:00",
        }).Build();
        var options = new MonitorOptions { DiskPath = Path.GetTempPath() };
        options.Checks["frontend"] = new CheckOptions { Url = new Uri("http://127.0.0.1:3000/") };
        options.Checks["disk"] = new CheckOptions { Interval = TimeSpan.FromMinutes(5) };

        var catalog = new CheckCatalog(
            Options.Create(options),
            Options.Create(new ApiProbeOptions { BaseAddress = new Uri("http://127.0.0.1:5181/") }),
            configuration,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<CheckCatalog>.Instance);

        var checks = catalog.Checks.ToDictionary(c => c.Name);
        Assert.Equal(["api-liveness", "api-readiness", "api-status", "disk", "frontend", "public-site", "tunnel"], checks.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new Uri("http://127.0.0.1:5181/alive"), Assert.IsType<HttpCheck>(checks["api-liveness"]).Url);
        Assert.Equal(new Uri("http://127.0.0.1:60123/ready"), Assert.IsType<HttpCheck>(checks["tunnel"]).Url);
        Assert.Equal(new Uri("https://care2connect.example.org/"), Assert.IsType<HttpCheck>(checks["public-site"]).Url);
        Assert.Equal(TimeSpan.FromSeconds(30), checks["tunnel"].Interval);
        Assert.Equal(TimeSpan.FromSeconds(30), checks["public-site"].Interval);
        Assert.Equal(TimeSpan.FromSeconds(60), checks["api-status"].Interval);
        Assert.Equal(TimeSpan.FromSeconds(60), checks["frontend"].Interval);
        Assert.Equal(TimeSpan.FromMinutes(5), checks["disk"].Interval);
        Assert.All(checks.Values, c => Assert.Equal(3, c.FailuresBeforeDown));
        Assert.All(checks.Values, c => Assert.Equal(2, c.SuccessesBeforeUp));
    }
}
