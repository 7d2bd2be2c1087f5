using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Care2Connect.Benchmarks.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Care2Connect.Benchmarks.Scenarios;

/// <summary>
/// Time to detect and to recover from real faults, on one boot of the full system with the supervision and liveness
/// settings the whole-system tests use. A caller reads one ticket every <see cref="ProbeInterval"/> (each request
/// bounded by <see cref="RequestTimeout"/>) through the API's public endpoint — through the tunnel for the tunnel
/// fault — while the orchestrator's resource states are recorded; all times are from the moment of the fault.
/// </summary>
internal sealed class FaultScenario(BenchmarkOptions options)
{
    // "Served again" is when the first success after the last failure came back, so it overstates the true moment by
    // up to one interval (a quarter of a second until issue 13's last run; 50 ms is 20 light reads a second).
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan HealthyTimeout = RecoveryTimeout;

    // Liveness waits InitialDelay after a (re)start and counts failures only once the process has answered, so the
    // next fault waits this long after the system is healthy again; every fault then starts from the same footing.
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(8);

    /// <summary>
    /// The API's production supervision with its liveness probe scaled down 15× (period 10 s → 0.667 s, timeout 5 s →
    /// 0.333 s, initial delay 10 s → 0.667 s, 3 failures in a row as in production) so a hang is detected in seconds.
    /// Its budget's window is 10 s, shorter than the time between two of the API's faults, so each one is the first
    /// restart in its window, as a lone crash is in production (immediate; a second crash within the window would
    /// wait the production 0.2 s); a large budget, so every repeat starts from the same footing. The tunnel and
    /// Postgres as the whole-system tests run them.
    /// </summary>
    public static readonly string[] SupervisionSettings =
    [
        "Supervisor:Resources:api:Window=00:00:10",
        "Supervisor:Resources:api:InitialBackoff=00:00:00.200",
        "Supervisor:Resources:api:MaxBackoff=00:00:00.200",
        "Supervisor:Resources:api:MaxRestarts=100",
        "Supervisor:Resources:api:Liveness:InitialDelay=00:00:00.667",
        "Supervisor:Resources:api:Liveness:Period=00:00:00.667",
        "Supervisor:Resources:api:Liveness:Timeout=00:00:00.333",
        "Supervisor:Resources:postgres:InitialBackoff=00:00:00.200",
        "Supervisor:Resources:postgres:MaxBackoff=00:00:00.200",
        "Supervisor:Resources:postgres:MaxRestarts=100",
        "Supervisor:Resources:tunnel:InitialBackoff=00:00:00.100",
        "Supervisor:Resources:tunnel:MaxBackoff=00:00:00.100",
        "Supervisor:Resources:tunnel:MaxRestarts=100",
        "Supervisor:Resources:tunnel:Liveness:InitialDelay=00:00:00.500",
        "Supervisor:Resources:tunnel:Liveness:Period=00:00:01",
        "Supervisor:Resources:tunnel:Liveness:Timeout=00:00:01",
        "Supervisor:Resources:tunnel:Liveness:FailureThreshold=2",
    ];

    private delegate Task<Observation> FaultAction(BenchSystem system, long at);

    public async Task<string> RunAsync()
    {
        Progress.Say("Faults: booting the full system with fast supervision ...");
        await using var system = await BenchSystem.StartAsync(SystemShape.Full, new BootSettings
        {
            AppHost = SupervisionSettings,
            Api = new Dictionary<string, string> { ["Database__Migration__RetryDelay"] = "00:00:01" },
        });
        await system.WaitAllHealthyAsync();

        Guid id;
        using (var api = system.CreateClient("api", "http", RequestTimeout))
        using (var created = await api.PostAsJsonAsync("/api/tickets", new { displayName = "fault probe", contactType = "NONE" }))
        {
            created.EnsureSuccessStatusCode();
            id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        }

        var faults = new (string Name, string Through, FaultAction Inject)[]
        {
            ("API killed (`kill -9` of the app process)", "api", KillApiAsync),
            ("API hung (`SIGSTOP`; liveness restarts it)", "api", HangApiAsync),
            ("Tunnel unready (`/control/unready`; liveness restarts it)", "tunnel", MakeTunnelUnreadyAsync),
            ("Postgres restarted (Stop, then Start)", "api", RestartPostgresAsync),
            ("Postgres killed (`kill -9` of the postmaster)", "api", KillPostgresAsync),
        };
        var results = faults.ToDictionary(f => f.Name, _ => new List<Observation>());
        var injected = new List<(long At, string Fault)>();
        var failures = new List<string>();
        for (var round = 1; round <= options.Repeat; round++)
        {
            foreach (var (name, through, inject) in faults)
            {
                Progress.Say($"Faults: round {round}/{options.Repeat}: {name} ...");
                using var client = through == "tunnel"
                    ? system.CreateClient("tunnel", "public", RequestTimeout)
                    : system.CreateClient("api", "http", RequestTimeout);
                await using var probe = new RequestProbe(client, $"/api/tickets/{id}", ProbeInterval);
                await probe.WaitForSuccessStreakAsync(Stopwatch.GetTimestamp(), 4, RecoveryTimeout);

                var at = Stopwatch.GetTimestamp();
                injected.Add((at, name));
                try
                {
                    var observation = await inject(system, at);
                    await probe.WaitForSuccessStreakAsync(at, 8, RecoveryTimeout);
                    results[name].Add(observation with { Callers = probe.Outcome(at) });
                }
                catch (TimeoutException exception)
                {
                    // Reported under the table; the next fault starts once the system is healthy again.
                    Progress.Say($"Faults: {name}: {exception.Message}");
                    failures.Add($"round {round}, {name}: {exception.Message}");
                }

                await SettleAsync(system);
            }
        }

        return Write(results, failures, LivenessFailuresByFault(system.LivenessFailures.Failures, injected));
    }

    // Each counted failure of the api's liveness probe, under the fault injected last before it (up to the next one:
    // the recovery and the settling time included).
    private static Dictionary<string, List<string>> LivenessFailuresByFault(IEnumerable<LivenessFailure> failures, List<(long At, string Fault)> injected)
    {
        var byFault = injected.Select(i => i.Fault).Distinct().ToDictionary(f => f, _ => new List<string>());
        foreach (var failure in failures.Where(f => f.Resource == "api"))
        {
            if (injected.LastOrDefault(i => i.At <= failure.Timestamp) is { Fault: { } fault })
            {
                byFault[fault].Add(failure.Reason);
            }
        }

        return byFault;
    }

    private static async Task<Observation> KillApiAsync(BenchSystem system, long at) =>
        await FaultProjectAsync(system, "api", "Care2Connect.Api", "KILL", at);

    private static async Task<Observation> HangApiAsync(BenchSystem system, long at) =>
        await FaultProjectAsync(system, "api", "Care2Connect.Api", "STOP", at);

    private static async Task<Observation> FaultProjectAsync(BenchSystem system, string resource, string assembly, string signal, long at)
    {
        var wrapper = ResourceTimeline.PidOf(system.Timeline.Latest(resource).Snapshot);
        var app = system.AppPid(resource, assembly);
        ProcFs.Signal(app, signal);
        try
        {
            return await ObserveRestartAsync(system, resource, wrapper, at);
        }
        finally
        {
            if (signal == "STOP" && Directory.Exists($"/proc/{app}"))
            {
                // Not killed after all: let it go so the system can stop.
                ProcFs.Signal(app, "CONT");
            }
        }
    }

    private static async Task<Observation> MakeTunnelUnreadyAsync(BenchSystem system, long at)
    {
        var wrapper = ResourceTimeline.PidOf(system.Timeline.Latest("tunnel").Snapshot);
        using var control = system.App.CreateHttpClient("tunnel", "metrics");
        (await control.PostAsync("/control/unready", null)).EnsureSuccessStatusCode();
        return await ObserveRestartAsync(system, "tunnel", wrapper, at);
    }

    // The process is replaced: "not Running" is the orchestrator noticing the exit (or the supervisor killing a
    // hung tree), then Running and Healthy under a new pid.
    private static async Task<Observation> ObserveRestartAsync(BenchSystem system, string resource, int? oldPid, long at)
    {
        var timeline = system.Timeline;
        var down = await timeline.WaitRequiredAsync(resource, at, s => !ResourceTimeline.IsRunning(s), RecoveryTimeout);
        bool Replaced(CustomResourceSnapshot s) => ResourceTimeline.IsRunning(s) && ResourceTimeline.PidOf(s) is { } pid && pid != oldPid;
        var running = await timeline.WaitRequiredAsync(resource, down, Replaced, RecoveryTimeout);
        var healthy = await timeline.WaitAtAsync(resource, running, s => Replaced(s) && s.HealthStatus == HealthStatus.Healthy, HealthyTimeout);
        return new Observation(At(at, down), At(at, running), healthy is { } h ? At(at, h) : null);
    }

    private static async Task<Observation> RestartPostgresAsync(BenchSystem system, long at)
    {
        await system.ExecuteCommandAsync("postgres", KnownResourceCommands.StopCommand);
        var down = await system.Timeline.WaitRequiredAsync("postgres", at, s => !ResourceTimeline.IsRunning(s), RecoveryTimeout);
        await system.ExecuteCommandAsync("postgres", KnownResourceCommands.StartCommand);
        return await ObservePostgresAsync(system, at, down);
    }

    private static async Task<Observation> KillPostgresAsync(BenchSystem system, long at)
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(system.DataDirectory, "data", "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        ProcFs.Signal(postmaster, "KILL");
        var down = await system.Timeline.WaitRequiredAsync("postgres", at, s => !ResourceTimeline.IsRunning(s), RecoveryTimeout);
        return await ObservePostgresAsync(system, at, down);
    }

    // The database's own resource shows the outage; whether the api's readiness (checked by the AppHost every 30 s
    // while healthy) ever shows it too is recorded separately.
    private static async Task<Observation> ObservePostgresAsync(BenchSystem system, long at, long down)
    {
        var timeline = system.Timeline;
        var running = await timeline.WaitRequiredAsync("postgres", down, ResourceTimeline.IsRunning, RecoveryTimeout);
        var healthy = await timeline.WaitAtAsync("postgres", running, s => ResourceTimeline.IsRunning(s) && s.HealthStatus == HealthStatus.Healthy, HealthyTimeout);
        // Give the api's readiness a chance to be seen both ways before asking.
        await timeline.WaitAtAsync("api", at, s => s.HealthStatus == HealthStatus.Healthy, HealthyTimeout);
        var apiUnhealthy = timeline.FirstAt("api", at, s => s.HealthStatus is HealthStatus.Unhealthy or HealthStatus.Degraded);
        return new Observation(At(at, down), At(at, running), healthy is { } h ? At(at, h) : null)
        {
            ApiUnhealthy = apiUnhealthy is { } u ? At(at, u) : null,
        };
    }

    private static async Task SettleAsync(BenchSystem system)
    {
        using var timeout = new CancellationTokenSource(RecoveryTimeout);
        foreach (var name in system.ResourceNames)
        {
            await system.App.ResourceNotifications.WaitForResourceHealthyAsync(name, timeout.Token);
        }

        await Task.Delay(Settle);
    }

    private static TimeSpan At(long from, long to) => Stopwatch.GetElapsedTime(from, to);

    private string Write(Dictionary<string, List<Observation>> results, List<string> failures, Dictionary<string, List<string>> livenessFailures)
    {
        var report = new StringBuilder();
        report.AppendLine("### Time to detect and to recover");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"One boot of the full AppHost; each fault {options.Repeat}× (rounds interleave the faults), seconds from the fault as min / median / max. A caller reads one ticket every {ProbeInterval.TotalMilliseconds:0} ms, each request bounded by {RequestTimeout.TotalSeconds:0} s, on the API's public endpoint (through the simulated tunnel's public endpoint for the tunnel fault). *Resource not Running / Running again / Healthy again*: the orchestrator's state of the faulted resource (`api`, `tunnel`, `postgres`), as the dashboard shows it. *First failed request*: when the first request sent after the fault came back failed (status not 2xx, connection error or timeout). *Served again*: when the first request sent after the last failed one came back successful. *Held to the timeout*: failed requests that lasted the caller's whole {RequestTimeout.TotalSeconds:0} s (accepted, never answered); every other failure was refused or answered with an error at once. After each fault the harness waits until every resource is healthy, then {Settle.TotalSeconds:0} s.");
        report.AppendLine();
        Markdown.Table(report, "lrrrrrrrr",
            ["Fault", "Resource not Running", "First failed request", "Running again", "Healthy again", "Served again", "Failed / sent requests", "Held to the timeout", "Slowest request"],
            results.Select(r => new[]
            {
                r.Key,
                Spread.Seconds(r.Value.Select(o => (TimeSpan?)o.Down)),
                Spread.Seconds(r.Value.Select(o => o.Callers!.FirstFailure)),
                Spread.Seconds(r.Value.Select(o => (TimeSpan?)o.Running)),
                Spread.Seconds(r.Value.Select(o => o.Healthy)),
                Spread.Seconds(r.Value.Select(o => o.Callers!.ServedAgain)),
                string.Join(", ", r.Value.Select(o => $"{o.Callers!.Failed}/{o.Callers.Requests}")),
                string.Join(", ", r.Value.Select(o => o.Callers!.Held.ToString(CultureInfo.InvariantCulture))),
                Spread.Seconds(r.Value.Select(o => (TimeSpan?)o.Callers!.Slowest)),
            }));
        var postgres = results.Where(r => r.Key.StartsWith("Postgres", StringComparison.Ordinal)).SelectMany(r => r.Value).ToList();
        report.AppendLine(CultureInfo.InvariantCulture, $"The api's readiness (`/health`, checked by the AppHost every 30 s while healthy) showed a Postgres fault as Unhealthy in {postgres.Count(o => o.ApiUnhealthy is not null)} of {postgres.Count} cases{(postgres.Any(o => o.ApiUnhealthy is not null) ? $", after {Spread.Seconds(postgres.Select(o => o.ApiUnhealthy))} s" : string.Empty)}.");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"The api's liveness probe failures the supervisor counted (event 8207, below the threshold of 3 included), by the fault they followed: {string.Join("; ", livenessFailures.Select(f => $"{f.Key}: {Describe(f.Value)}"))}. Under a Postgres fault any failure means the api was slow to answer `/alive` while the database was down; after a kill, one probe may reach the dead process before the exit watch sees it.");
        report.AppendLine();
        foreach (var failure in failures)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"Not recovered within {RecoveryTimeout.TotalSeconds:0} s (left out of the table): {failure}");
            report.AppendLine();
        }

        report.AppendLine("Settings (AppHost configuration; everything else, the API's data layer included, at its defaults):");
        report.AppendLine();
        report.AppendLine("```");
        foreach (var setting in SupervisionSettings)
        {
            report.AppendLine(setting);
        }

        report.AppendLine("```");
        report.AppendLine();
        return report.ToString();
    }

    private static string Describe(List<string> reasons) =>
        reasons.Count == 0
            ? "none"
            : $"{reasons.Count} ({string.Join(", ", reasons.GroupBy(r => r).Select(g => $"{g.Count()}× {g.Key}"))})";

    private sealed record Observation(TimeSpan Down, TimeSpan Running, TimeSpan? Healthy)
    {
        public TimeSpan? ApiUnhealthy { get; init; }

        public ProbeOutcome? Callers { get; init; }
    }
}
