using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Care2Connect.AppHost.BuiltProjects;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Care2Connect.Benchmarks.Infrastructure;

internal enum SystemShape
{
    /// <summary>The real <c>Care2Connect.AppHost</c>: postgres, api, tunnel, monitor, supervision, commands.</summary>
    Full,

    /// <summary><c>tools/Care2Connect.MinimalAppHost</c>: postgres and a bare api.</summary>
    Minimal,
}

/// <summary>How to boot: AppHost configuration and per-resource environment on top of what every boot gets.</summary>
internal sealed record BootSettings
{
    /// <summary>AppHost configuration as <c>Key=Value</c> arguments (e.g. supervisor settings).</summary>
    public IReadOnlyList<string> AppHost { get; init; } = [];

    /// <summary>Environment for the api resource.</summary>
    public IReadOnlyDictionary<string, string> Api { get; init; } = new Dictionary<string, string>();

    /// <summary>Environment for the monitor resource (full system only).</summary>
    public IReadOnlyDictionary<string, string> Monitor { get; init; } = new Dictionary<string, string>();

    /// <summary>A Postgres data directory to reuse and keep; by default each boot gets a fresh one, deleted afterwards.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Changes to the app model before it is built (e.g. a second resource beside the AppHost's own).</summary>
    public Action<IDistributedApplicationTestingBuilder>? Configure { get; init; }
}

/// <summary>
/// One booted system (Local Postgres on its own data directory, random ports, no dashboard), with the times its
/// boot took and a timeline of every resource state. Disposal stops everything and removes what the boot created.
/// </summary>
internal sealed class BenchSystem : IAsyncDisposable
{
    public static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly string _scratch;
    private readonly bool _ownsData;

    private BenchSystem(DistributedApplication app, string operatorKey, string adminKey, string dataDirectory, bool ownsData, string scratch)
    {
        App = app;
        OperatorKey = operatorKey;
        AdminKey = adminKey;
        DataDirectory = dataDirectory;
        _ownsData = ownsData;
        _scratch = scratch;
        Timeline = new ResourceTimeline(app);
        ResourceNames = ProcessResources(app);
    }

    public DistributedApplication App { get; }

    public string OperatorKey { get; }

    public string AdminKey { get; }

    public string DataDirectory { get; }

    public ResourceTimeline Timeline { get; }

    /// <summary>Every liveness probe failure the supervisor counted since the boot.</summary>
    public LivenessFailureLog LivenessFailures { get; private init; } = new();

    /// <summary>From the start of the boot: the AppHost's model declared (for the full system, its Program ran).</summary>
    public TimeSpan Declared { get; private set; }

    /// <summary>From the start of the boot: <c>StartAsync</c> returned (the orchestrator created every resource).</summary>
    public TimeSpan Started { get; private set; }

    /// <summary>From the start of the boot: every process resource healthy; null until waited for.</summary>
    public TimeSpan? AllHealthy { get; private set; }

    /// <summary>The resource that became healthy last, with <see cref="AllHealthy"/>.</summary>
    public string? LastHealthy { get; private set; }

    /// <summary>
    /// The resources the orchestrator runs as processes (projects, executables, containers). Parameters have no
    /// state, and neither has the Local-mode database resource (<c>care2connect</c>): nothing publishes one for it, so
    /// it never reports Healthy; the api's readiness (database reachable, migrations applied) stands for it.
    /// </summary>
    public IReadOnlyList<string> ResourceNames { get; }

    private static IReadOnlyList<string> ProcessResources(DistributedApplication app) =>
        [.. app.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Where(r => r is ProjectResource or ExecutableResource or ContainerResource)
            // Helpers that start only when asked (Aspire's hidden "<project>-rebuilder") never become healthy on their own.
            .Where(r => !r.Annotations.OfType<ExplicitStartupAnnotation>().Any())
            .Select(r => r.Name)];

    /// <summary>Boots a system and returns once <c>StartAsync</c> has returned; see <see cref="WaitAllHealthyAsync"/>.</summary>
    public static async Task<BenchSystem> StartAsync(SystemShape shape, BootSettings settings)
    {
        using var timeout = new CancellationTokenSource(BootTimeout);
        var scratch = Path.Combine(Path.GetTempPath(), "c2c-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var dataDirectory = settings.DataDirectory ?? Path.Combine(scratch, "postgres");
        var operatorKey = "op-" + Guid.NewGuid().ToString("N");
        var adminKey = "admin-" + Guid.NewGuid().ToString("N");
        string[] args =
        [
            "Postgres:Mode=Local",
            $"Postgres:DataDirectory={dataDirectory}",
            $"Parameters:operator-key={operatorKey}",
            $"Parameters:admin-key={adminKey}",
            $"Parameters:postgres-password=pw-{Guid.NewGuid():N}",
            $"Supervisor:LogDirectory={scratch}",
            $"Monitor:History:DatabasePath={Path.Combine(scratch, "monitor.db")}",
            .. settings.AppHost,
        ];

        var clock = Stopwatch.StartNew();
        var builder = shape == SystemShape.Full
            ? await DistributedApplicationTestingBuilder.CreateAsync<Projects.Care2Connect_AppHost>(args, timeout.Token)
            : await DistributedApplicationTestingBuilder.CreateAsync<Projects.Care2Connect_MinimalAppHost>(args, timeout.Token);
        var declared = clock.Elapsed;
        settings.Configure?.Invoke(builder);

        // Keep stdout for the report: the AppHost's own log lines go to stderr with the progress, and resource logs
        // and per-request client logs are left out.
        builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddLogging(logging => logging
            .AddFilter("Care2Connect.AppHost.Resources", LogLevel.None)
            .AddFilter("Care2Connect.MinimalAppHost.Resources", LogLevel.None)
            .AddFilter("System.Net.Http", LogLevel.None)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None)
            .AddFilter("Care2Connect", LogLevel.Warning)
            .AddFilter("Aspire", LogLevel.Warning));
        var livenessFailures = new LivenessFailureLog();
        builder.Services.AddSingleton<ILoggerProvider>(livenessFailures);
        // With the dashboard off nothing listens on the OTLP endpoint the services are given; a 1 s export timeout
        // keeps their shutdown within the orchestrator's stop window (as in the test fixture).
        foreach (var project in builder.Resources.OfType<BuiltProjectResource>())
        {
            builder.CreateResourceBuilder(project)
                .WithEnvironment("OTEL_EXPORTER_OTLP_TIMEOUT", "1000")
                .WithEnvironment("Logging__LogLevel__Default", "Warning");
        }

        Apply(builder, "api", settings.Api);
        if (shape == SystemShape.Full)
        {
            Apply(builder, "monitor", settings.Monitor);
        }

        var app = await builder.BuildAsync(timeout.Token);
        await app.StartAsync(timeout.Token);
        return new BenchSystem(app, operatorKey, adminKey, dataDirectory, settings.DataDirectory is null, scratch)
        {
            LivenessFailures = livenessFailures,
            Declared = declared,
            Started = clock.Elapsed,
            BootClock = clock,
        };
    }

    private Stopwatch BootClock { get; init; } = new();

    /// <summary>Waits until every resource is healthy and records when (from the start of the boot) and which was last.</summary>
    public async Task WaitAllHealthyAsync()
    {
        using var timeout = new CancellationTokenSource(BootTimeout);
        var apiReady = PollApiReadyAsync(timeout.Token);
        var waits = ResourceNames.Select(async name =>
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(name, timeout.Token);
            return (Name: name, At: BootClock.Elapsed);
        });
        var last = (await Task.WhenAll(waits)).MaxBy(w => w.At);
        AllHealthy = last.At;
        LastHealthy = last.Name;
        ApiReady = await apiReady;
    }

    /// <summary>When, from the start of the boot, the api's readiness endpoint first answered 200 (see <see cref="PollApiReadyAsync"/>).</summary>
    public TimeSpan? ApiReady { get; private set; }

    // The orchestrator checks an unhealthy resource 1, 2, 3, 4 and then every 5 s (Aspire's ResourceHealthCheckService),
    // so its "healthy" lands on those steps; the harness asks the api's /health itself every 50 ms.
    private async Task<TimeSpan> PollApiReadyAsync(CancellationToken cancellationToken)
    {
        using var client = App.CreateHttpClient("api", "internal");
        client.Timeout = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                using var response = await client.GetAsync("/health", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return BootClock.Elapsed;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet, or not answering within the second.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    /// <summary>A client for a resource's endpoint, with the operator key and a per-request timeout.</summary>
    public HttpClient CreateClient(string resource, string endpoint, TimeSpan timeout)
    {
        var client = App.CreateHttpClient(resource, endpoint);
        client.Timeout = timeout;
        client.DefaultRequestHeaders.Add("X-Api-Key", OperatorKey);
        return client;
    }

    public async Task ExecuteCommandAsync(string resource, string command)
    {
        using var timeout = new CancellationTokenSource(StopTimeout);
        var result = await App.ResourceCommands.ExecuteCommandAsync(resource, command, timeout.Token);
        if (!result.Success)
        {
            throw new InvalidOperationException($"{command} on {resource} failed: {result.Message}");
        }
    }

    /// <summary>The pid of a project's app process (not its <c>dotnet run</c> wrapper).</summary>
    public int AppPid(string resource, string assemblyName) =>
        ProcFs.AppUnder(ResourceTimeline.PidOf(Timeline.Latest(resource).Snapshot)
            ?? throw new InvalidOperationException($"{resource} has no pid."), assemblyName);

    /// <summary>How long <see cref="DisposeAsync"/> took to stop the system.</summary>
    public TimeSpan? StopTook { get; private set; }

    public async ValueTask DisposeAsync()
    {
        var clock = Stopwatch.StartNew();
        using (var timeout = new CancellationTokenSource(StopTimeout))
        {
            await App.StopAsync(timeout.Token);
        }

        StopTook = clock.Elapsed;
        await Timeline.DisposeAsync();
        await App.DisposeAsync().AsTask().WaitAsync(StopTimeout);
        if (_ownsData && Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }

        if (Directory.Exists(_scratch))
        {
            Directory.Delete(_scratch, recursive: true);
        }
    }

    private static void Apply(IDistributedApplicationTestingBuilder builder, string resource, IReadOnlyDictionary<string, string> environment)
    {
        var project = builder.CreateResourceBuilder<BuiltProjectResource>(resource);
        foreach (var (name, value) in environment)
        {
            project.WithEnvironment(name, value);
        }
    }
}
