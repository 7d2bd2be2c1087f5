using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Care2Connect.Tests.Infrastructure;

/// <summary>
/// Boots the real AppHost once per test class: Local Postgres on its own data directory and port, the API and
/// the Monitor as real processes. Every await is bounded. On disposal it stops everything and fails if any
/// process of the run (found by pid and start time, with descendants) is still alive. Every service exports its
/// telemetry to <see cref="Telemetry"/>, an OTLP receiver of the tests' own, unless a subclass turns the dashboard on
/// (then the dashboard receives it, as when the AppHost runs for real).
/// </summary>
public class Care2ConnectAppFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The window of the tunnel's restart budget in every AppHost fixture.</summary>
    public static readonly TimeSpan TunnelBudgetWindow = TimeSpan.FromMinutes(5);

    private readonly ConcurrentQueue<string> _postgresLog = new();
    private readonly ConcurrentQueue<string> _supervisorLog = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<ProcessIdentity> _processes = [];
    private readonly ConcurrentDictionary<string, ResourceEvent> _latest = new();
    private Task? _statePump;
    private DistributedApplication? _app;
    private Task? _logPump;

    public string OperatorKey { get; } = "op-" + Guid.NewGuid().ToString("N");

    public string AdminKey { get; } = "admin-" + Guid.NewGuid().ToString("N");

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "c2c-test-" + Guid.NewGuid().ToString("N")[..12]);

    public string LogDirectory { get; } = Path.Combine(Path.GetTempPath(), "c2c-test-logs-" + Guid.NewGuid().ToString("N")[..12]);

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The app has not started.");

    /// <summary>Anonymous ticket creations allowed per window in these tests.</summary>
    public int CreatePermitLimit => 5;

    public IReadOnlyCollection<string> PostgresLog => _postgresLog;

    /// <summary>The supervisor's own log lines (<c>Care2Connect.AppHost.Supervision</c>), as the AppHost logs them.</summary>
    public IReadOnlyCollection<string> SupervisorLog => _supervisorLog;

    /// <summary>Receives the Monitor's alerts (its only webhook, generic JSON format).</summary>
    public WebhookReceiver Alerts { get; private set; } = null!;

    /// <summary>Receives every service's spans and metrics (OTLP/HTTP); null when the dashboard is on.</summary>
    public OtlpReceiver? Telemetry { get; private set; }

    /// <summary>Whether the AppHost runs its dashboard (off by default in Aspire.Hosting.Testing).</summary>
    protected virtual bool DashboardEnabled => false;

    /// <summary>More AppHost arguments (configuration as <c>key=value</c>), after the fixture's own; none by default.</summary>
    protected virtual IEnumerable<string> AppHostArguments => [];

    /// <summary>Last changes to the app model before it is built; a setting made here wins over the ones above.</summary>
    protected virtual void Configure(IDistributedApplicationTestingBuilder builder)
    {
    }

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Care2Connect_AppHost>(
            [
                "Postgres:Mode=Local",
                $"Postgres:DataDirectory={DataDirectory}",
                "Postgres:OutageDrillDuration=00:00:10",
                $"Parameters:operator-key={OperatorKey}",
                $"Parameters:admin-key={AdminKey}",
                $"Parameters:postgres-password=pw-{Guid.NewGuid():N}",
                $"Supervisor:LogDirectory={LogDirectory}",
                $"Monitor:History:DatabasePath={Path.Combine(LogDirectory, "monitor.db")}",
                "Supervisor:Resources:api:InitialBackoff=00:00:00.200",
                "Supervisor:Resources:api:Liveness:InitialDelay=00:00:01",
                "Supervisor:Resources:api:Liveness:Period=00:00:02",
                "Supervisor:Resources:api:Liveness:Timeout=00:00:01",
                // Scaled like the period (production: 2 min): an API that hangs before its first successful probe
                // (a SIGSTOP right after a fast restart) is caught within seconds, not minutes.
                "Supervisor:Resources:api:Liveness:StartupTimeout=00:00:15",
                "Supervisor:Resources:postgres:InitialBackoff=00:00:00.200",
                "Supervisor:Resources:tunnel:InitialBackoff=00:00:00.100",
                // Longer than spending the budget can take: six unready cycles took up to 90 s on a saturated machine
                // (load 24), and a window that ran out meanwhile would hand a restart back in the middle of the test.
                $"Supervisor:Resources:tunnel:Window={TunnelBudgetWindow:c}",
                "Supervisor:Resources:tunnel:Liveness:InitialDelay=00:00:00.500",
                "Supervisor:Resources:tunnel:Liveness:Period=00:00:01",
                "Supervisor:Resources:tunnel:Liveness:Timeout=00:00:01",
                "Supervisor:Resources:tunnel:Liveness:FailureThreshold=2",
                // A tunnel made unready before the supervisor's first successful probe is caught after this, not after
                // production's 2 minutes: slower than that, the six unready cycles would outlast the 90 s window.
                "Supervisor:Resources:tunnel:Liveness:StartupTimeout=00:00:08",
                .. AppHostArguments,
            ],
            (options, _) => options.DisableDashboard = !DashboardEnabled,
            timeout.Token);

        // Every instance of the API (Api:Instances adds api-2, ...), so a second one behaves as the first.
        foreach (var instance in builder.Resources.OfType<BuiltProjectResource>().Where(r => r.Name == "api" || r.Name.StartsWith("api-", StringComparison.Ordinal)).ToList())
        {
            ConfigureApi(builder.CreateResourceBuilder(instance));
        }

        // With the dashboard off, the testing builder still hands every service an OTLP endpoint where nothing
        // listens: the services export to the tests' receiver instead, so traces and metrics can be asserted. The
        // short export timeout bounds shutdown should the receiver be gone first: with the default 10 s per
        // exporter, a Stop (DCP allows about 15 s) fails; measured on the Monitor, 12 s to exit after SIGTERM
        // with the default, 1.7 s with 1 s.
        Telemetry = DashboardEnabled ? null : await OtlpReceiver.StartAsync();
        foreach (var project in builder.Resources.OfType<BuiltProjectResource>())
        {
            var resource = builder.CreateResourceBuilder(project).WithEnvironment("OTEL_EXPORTER_OTLP_TIMEOUT", "1000");
            if (Telemetry is not null)
            {
                resource.WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", Telemetry.Endpoint.ToString().TrimEnd('/'))
                    .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
                    .WithEnvironment("OTEL_METRIC_EXPORT_INTERVAL", "1000")
                    .WithEnvironment("OTEL_BSP_SCHEDULE_DELAY", "500");
            }
        }

        Alerts = await WebhookReceiver.StartAsync(TimeProvider.System);
        builder.CreateResourceBuilder<BuiltProjectResource>("monitor")
            .WithEnvironment("Monitor__Alerts__Webhooks__0__Url", Alerts.Url.ToString())
            .WithEnvironment("Monitor__Alerts__Webhooks__0__Format", "Json")
            .WithEnvironment("Monitor__DefaultInterval", "00:00:01")
            .WithEnvironment("Monitor__EdgeInterval", "00:00:01")
            .WithEnvironment("Monitor__DefaultTimeout", "00:00:02")
            .WithEnvironment("Monitor__Recovery__Cooldown", "00:01:00");

        builder.Services.AddSingleton<ILoggerProvider>(new CollectingLoggerProvider(_supervisorLog, "Care2Connect.AppHost.Supervision"));
        Configure(builder);
        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
        _logPump = PumpPostgresLogAsync(_stopping.Token);
        _statePump = PumpStatesAsync(_stopping.Token);
        // Supervised: on a saturated machine a slow first start can fail its liveness probe and be restarted, so a
        // resource that is briefly unavailable is waited for, not given up on (the timeout still bounds the boot).
        foreach (var resource in (string[])["api", "monitor", "tunnel"])
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, WaitBehavior.WaitOnResourceUnavailable, timeout.Token);
        }
        await RecordProcessesAsync(timeout.Token);
    }


    private void ConfigureApi(IResourceBuilder<BuiltProjectResource> api) =>
        api.WithEnvironment("Database__Migration__RetryDelay", "00:00:01")
            .WithEnvironment("Api__CreatePermitLimit", CreatePermitLimit.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("Api__CreateWindow", "00:10:00")
            // Every test here calls from loopback, i.e. from one client address, and some send wrong keys on
            // purpose: with the real limit they would lock the rest of the class out. The throttle itself is
            // proven in AdminAuthenticationTests.
            .WithEnvironment("Auth__FailedAttempts__Limit", "10000")
            // Recovery in seconds: probe every second, a short cooldown, and a data layer that gives up (and opens
            // its breaker) within a few seconds of an outage.
            .WithEnvironment("Recovery__CheckInterval", "00:00:01")
            .WithEnvironment("Recovery__Cooldown", "00:00:03")
            .WithEnvironment("Database__HealthCheck__Timeout", "00:00:01")
            .WithEnvironment("Database__Resilience__ConnectTimeout", "00:00:01")
            .WithEnvironment("Database__Resilience__MaxRetries", "1")
            .WithEnvironment("Database__Resilience__BaseDelay", "00:00:00.200")
            .WithEnvironment("Database__Resilience__BreakerFailureThreshold", "3");

    /// <summary>The resource Aspire adds for its dashboard (hidden from the dashboard's own list; only when it is on).</summary>
    public const string DashboardResource = "aspire-dashboard";

    /// <summary>The API's public endpoint: tickets and <c>/alive</c> only (the tunnel's origin).</summary>
    public const string PublicEndpoint = "http";

    /// <summary>The API's internal endpoint: everything, including <c>/health</c>, admin routes and OpenAPI.</summary>
    public const string InternalEndpoint = "internal";

    /// <param name="apiKey">Sent as <c>X-Api-Key</c> when given.</param>
    /// <param name="endpoint"><see cref="PublicEndpoint"/> (default) or <see cref="InternalEndpoint"/>.</param>
    public HttpClient CreateApiClient(string? apiKey = null, string endpoint = PublicEndpoint)
    {
        var client = App.CreateHttpClient("api", endpoint);
        client.Timeout = DefaultTimeout;
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>The Monitor's endpoint (<c>/api/status</c>, the status page, maintenance).</summary>
    public HttpClient CreateMonitorClient()
    {
        var client = App.CreateHttpClient("monitor");
        client.Timeout = TimeSpan.FromSeconds(10);
        return client;
    }

    public async Task<ResourceEvent> WaitForStateAsync(string resource, Func<ResourceEvent, bool> predicate, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        return await App.ResourceNotifications.WaitForResourceAsync(resource, predicate, cts.Token);
    }

    public async Task ExecuteCommandAsync(string resource, string command)
    {
        using var cts = new CancellationTokenSource(DefaultTimeout);
        var result = await App.ResourceCommands.ExecuteCommandAsync(resource, command, cts.Token);
        Assert.True(result.Success, $"{command} on {resource} failed: {result.Message}");
    }

    /// <summary>
    /// Whenever the simulated tunnel is up, makes it unready, until the supervisor has spent the tunnel's restart
    /// budget on it. Returns the state that says so and how many times the tunnel was made unready.
    /// </summary>
    public async Task<(ResourceEvent Spent, int Unready)> UnreadyTunnelUntilBudgetSpentAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        var unready = 0;
        while (true)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the tunnel's budget was never spent ({unready} times unready)");
            var current = await WaitForStateAsync("tunnel", _ => true);
            if (current.Snapshot.State?.Text?.StartsWith("Restart budget spent", StringComparison.Ordinal) == true)
            {
                return (current, unready);
            }

            if (current.Snapshot.State?.Text == KnownResourceStates.Running)
            {
                await RecordProcessesAsync(CancellationToken.None);
                try
                {
                    using var metrics = App.CreateHttpClient("tunnel", "metrics");
                    metrics.Timeout = TimeSpan.FromSeconds(2);
                    using var ready = await metrics.GetAsync("/ready");
                    if (ready.IsSuccessStatusCode)
                    {
                        // Let the supervisor see it up first (two probe periods): until then a failing probe is a
                        // slow start, not a hang, and only counts after the startup timeout.
                        await Task.Delay(TimeSpan.FromSeconds(2.5));
                        // Given all the time it takes: a request that timed out here after the tunnel went unready
                        // would leave a restart uncounted.
                        using var control = App.CreateHttpClient("tunnel", "metrics");
                        control.Timeout = TimeSpan.FromSeconds(30);
                        using var post = await control.PostAsync("/control/unready", null);
                        if (post.IsSuccessStatusCode)
                        {
                            unready++;
                        }
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    // Starting or already gone.
                }
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The pid DCP reports for a resource (for the AppHost's projects, the app itself: they run from their build output).</summary>
    public static int? PidOf(ResourceEvent resource) =>
        resource.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value
        && int.TryParse(value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null;

    /// <summary>Remembers every process of the run (resources, their children, the Postgres server).</summary>
    public Task RecordProcessesAsync(CancellationToken cancellationToken)
    {
        var roots = new List<int>();
        foreach (var name in new[] { "postgres", "api", "monitor", "tunnel", DashboardResource })
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_latest.TryGetValue(name, out var current) && PidOf(current) is { } pid)
            {
                roots.Add(pid);
            }
        }

        lock (_processes)
        {
            foreach (var process in ProcessTree.WithDescendants(roots))
            {
                if (!_processes.Any(p => p.Pid == process.Pid && p.StartTicks == process.StartTicks))
                {
                    _processes.Add(process);
                }
            }
        }

        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_app is null)
        {
            return;
        }

        try
        {
            await RecordProcessesAsync(CancellationToken.None).WaitAsync(DefaultTimeout);
        }
        catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
        {
            // Something is not running any more; what was recorded earlier is still checked below.
        }

        using (var timeout = new CancellationTokenSource(DefaultTimeout))
        {
            await _app.StopAsync(timeout.Token);
        }

        await _app.DisposeAsync().AsTask().WaitAsync(DefaultTimeout);
        await _stopping.CancelAsync();
        foreach (var pump in new[] { _logPump, _statePump })
        {
            if (pump is not null)
            {
                await pump.WaitAsync(DefaultTimeout).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        List<ProcessIdentity> leftovers;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        do
        {
            lock (_processes)
            {
                leftovers = [.. _processes.Where(p => p.IsRunning)];
            }

            if (leftovers.Count == 0)
            {
                break;
            }

            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);

        _stopping.Dispose();
        await Alerts.DisposeAsync();
        if (Telemetry is not null)
        {
            await Telemetry.DisposeAsync();
        }

        if (leftovers.Count == 0)
        {
            Directory.Delete(DataDirectory, recursive: true);
            if (Directory.Exists(LogDirectory))
            {
                Directory.Delete(LogDirectory, recursive: true);
            }
        }

        Assert.True(leftovers.Count == 0, "Processes left running after the app stopped: " + string.Join("; ", leftovers));
    }

    // The latest state of every resource by name, so the processes of a resource that is not running can still be found.
    private async Task PumpStatesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in App.ResourceNotifications.WatchAsync(cancellationToken))
            {
                _latest[change.Resource.Name] = change;
            }
        }
        catch (OperationCanceledException)
        {
            // Fixture disposal.
        }
    }

    private async Task PumpPostgresLogAsync(CancellationToken cancellationToken)
    {
        var model = App.Services.GetRequiredService<DistributedApplicationModel>();
        var postgres = model.Resources.Single(r => r.Name == "postgres");
        var logs = App.Services.GetRequiredService<ResourceLoggerService>();
        try
        {
            await foreach (var batch in logs.WatchAsync(postgres).WithCancellation(cancellationToken))
            {
                foreach (var line in batch)
                {
                    _postgresLog.Enqueue(line.Content);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Fixture disposal.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AppHostCollection
{
    /// <summary>Whole-system tests run one AppHost at a time: the machine has two cores.</summary>
    public const string Name = "AppHost";
}
