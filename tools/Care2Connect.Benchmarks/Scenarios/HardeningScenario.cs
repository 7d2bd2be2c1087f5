using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Care2Connect.AppHost;
using Care2Connect.AppHost.BuiltProjects;
using Care2Connect.Benchmarks.Infrastructure;

namespace Care2Connect.Benchmarks.Scenarios;

/// <summary>
/// The hot-path cost of <c>Database:Resilience</c> (issues 3 and 13) and what a caller waits while Postgres is down,
/// with and without the breaker. One boot of the full AppHost with a second instance of the API beside its own:
/// <c>api</c> (hardening on, as shipped) and <c>api-baseline</c> (the same project, database, keys and settings, with
/// <c>Database:Resilience:Enabled=false</c>). Both measure in interleaved rounds on the same machine state, so the
/// ratios compare like with like instead of boots minutes apart.
/// </summary>
internal sealed class HardeningScenario(BenchmarkOptions options)
{
    private const string Hardened = "api";
    private const string Baseline = "api-baseline";
    private const int Rounds = 10;
    private const int WarmUpCreates = 200;
    private const int WarmUpReads = 400;
    private const int BreakerThreshold = 5; // the default Database:Resilience:BreakerFailureThreshold

    private static readonly Dictionary<string, string> ApiSettings = new()
    {
        // Only the failure path is shortened, so the outage measurement finishes in seconds.
        ["Database__Resilience__BaseDelay"] = "00:00:00.200",
        ["Database__Migration__RetryDelay"] = "00:00:01",
    };

    public async Task<string> RunAsync()
    {
        var hot = options.Runs(Scenario.Hot);
        var breaker = options.Runs(Scenario.Breaker);

        Progress.Say($"Hardening: booting the full AppHost with {Baseline} (hardening off) beside {Hardened} (on) ...");
        await using var system = await BenchSystem.StartAsync(SystemShape.Full, new BootSettings
        {
            Api = new Dictionary<string, string>(ApiSettings) { ["Database__Resilience__Enabled"] = "true" },
            Configure = builder => AddBaseline(builder, hardened: options.HotCalibration),
        });
        using var timeout = new CancellationTokenSource(BenchSystem.BootTimeout);
        await system.App.ResourceNotifications.WaitForResourceHealthyAsync(Hardened, timeout.Token);
        await system.App.ResourceNotifications.WaitForResourceHealthyAsync(Baseline, timeout.Token);
        using var on = system.CreateClient(Hardened, "http", TimeSpan.FromSeconds(120));
        using var off = system.CreateClient(Baseline, "http", TimeSpan.FromSeconds(120));

        var ids = new List<Guid>();
        foreach (var api in new[] { on, off })
        {
            var (created, _) = await Load.MeasureAsync(WarmUpCreates, options.Concurrency, i => CreateAsync(api, i));
            ids.AddRange(created);
            await Load.MeasureAsync(WarmUpReads, options.Concurrency, i => ReadAsync(api, created[i % created.Count], expectSuccess: false));
        }

        var report = new StringBuilder();
        if (hot)
        {
            Progress.Say($"Hardening: {Rounds} interleaved rounds of creates and reads on both ...");
            var samples = new Dictionary<(bool Enabled, string Operation), Samples>();
            var perBatch = Math.Max(1, options.Requests / Rounds);
            // CPU time each API process spends on its batches: what the hardening costs per request, far steadier
            // than latency on a shared two-core machine (the load generator and the other processes compete for the
            // cores, not for this process's own work).
            var pids = new Dictionary<bool, int>
            {
                [true] = system.AppPid(Hardened, "Care2Connect.Api"),
                [false] = system.AppPid(Baseline, "Care2Connect.Api"),
            };
            for (var round = 0; round < Rounds; round++)
            {
                // Alternating order, so neither instance always runs first in a round.
                foreach (var enabled in round % 2 == 0 ? new[] { true, false } : [false, true])
                {
                    var api = enabled ? on : off;
                    var offset = WarmUpCreates + (round * perBatch);
                    var ticks = ProcFs.CpuTicks(pids[enabled]);
                    var (_, create) = await Load.MeasureAsync(perBatch, options.Concurrency, i => CreateAsync(api, offset + i));
                    var createTicks = ProcFs.CpuTicks(pids[enabled]) - ticks;
                    ticks = ProcFs.CpuTicks(pids[enabled]);
                    var (_, read) = await Load.MeasureAsync(perBatch, options.Concurrency, i => ReadAsync(api, ids[(offset + i) % ids.Count], expectSuccess: true));
                    var readTicks = ProcFs.CpuTicks(pids[enabled]) - ticks;
                    Add(samples, (enabled, "create"), create, createTicks);
                    Add(samples, (enabled, "read"), read, readTicks);
                }
            }

            WriteHot(report, samples, perBatch);
        }

        if (breaker)
        {
            // With the hardening on, the first operations exhaust their retries and open the breaker; the rest are
            // refused at once. Without it, every caller waits for the connect timeout.
            Progress.Say($"Hardening: stopping postgres, then {options.OutageRequests} reads one after another on each ...");
            await system.ExecuteCommandAsync("postgres", KnownResourceCommands.StopCommand);
            await system.App.ResourceNotifications.WaitForResourceAsync("postgres", e => e.Snapshot.State?.Text is "Exited" or "Finished", timeout.Token);
            var outages = new List<(bool Enabled, double[] Latencies, string Answers)>();
            foreach (var enabled in new[] { true, false })
            {
                var api = enabled ? on : off;
                var (codes, stats) = await Load.MeasureAsync(options.OutageRequests, 1, async i =>
                {
                    using var response = await api.GetAsync($"/api/tickets/{ids[i % ids.Count]}");
                    return response.IsSuccessStatusCode
                        ? throw new InvalidOperationException("the database is down")
                        : $"{(int)response.StatusCode}{(response.Headers.RetryAfter is null ? string.Empty : " + Retry-After")}";
                });
                var answers = string.Join(", ", codes.GroupBy(c => c).Select(g => $"{g.Key} ×{g.Count()}"));
                outages.Add((enabled, [.. stats.Latencies], answers));
            }

            WriteBreaker(report, outages);
        }

        return report.ToString();
    }

    /// <summary>The second instance: declared as the AppHost declares <c>api</c>, with the hardening switched off.</summary>
    private static void AddBaseline(IDistributedApplicationTestingBuilder builder, bool hardened)
    {
        var api = builder.Resources.OfType<BuiltProjectResource>().Single(r => r.Name == Hardened);
        var keys = new ApiKeyParameters(
            builder.CreateResourceBuilder<ParameterResource>(ApiKeyParameterExtensions.OperatorKeyName),
            builder.CreateResourceBuilder<ParameterResource>(ApiKeyParameterExtensions.AdminKeyName));
        var baseline = builder.AddBuiltProject(Baseline, api.ProjectPath)
            .WithInternalListener()
            .WithoutProxy()
            .WithReference(builder.CreateResourceBuilder<IResourceWithConnectionString>("care2connect"))
            .WithApiKeys(keys)
            .WithHttpHealthCheck("/health", endpointName: ApiListenerExtensions.InternalEndpointName)
            .WithEnvironment("Database__Resilience__Enabled", hardened ? "true" : "false");
        foreach (var (name, value) in ApiSettings)
        {
            baseline.WithEnvironment(name, value);
        }
    }

    private static void Add(Dictionary<(bool Enabled, string Operation), Samples> samples, (bool Enabled, string Operation) key, LatencyStats batch, long cpuTicks)
    {
        if (!samples.TryGetValue(key, out var pooled))
        {
            samples[key] = pooled = new Samples();
        }

        pooled.Latencies.AddRange(batch.Latencies);
        pooled.Seconds += batch.Latencies.Count / batch.Throughput;
        pooled.CpuTicks += cpuTicks;
    }

    private void WriteHot(StringBuilder report, Dictionary<(bool Enabled, string Operation), Samples> samples, int perBatch)
    {
        report.AppendLine(options.HotCalibration ? "### Hot path, calibration: hardening on vs on, side by side" : "### Hot path: hardening on vs off, side by side");
        report.AppendLine();
        if (options.HotCalibration)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"`--hot-calibration true`: `{Baseline}` is hardened too, so every ratio below would be 1.00 on a perfect machine; how far they are from it is the noise of this comparison.");
            report.AppendLine();
        }

        report.AppendLine(CultureInfo.InvariantCulture, $"One boot, `{Hardened}` (on) and `{Baseline}` (off) beside each other on the same Postgres; each warmed up with {WarmUpCreates} creates and {WarmUpReads} reads, then {Rounds} rounds of {perBatch} creates and {perBatch} reads each at concurrency {options.Concurrency} on the public endpoint (operator key), the order alternating per round. Latencies pooled over the rounds; throughput = requests ÷ time spent in that instance's batches.");
        report.AppendLine();
        string[] operations = ["read", "create"];
        Markdown.Table(report, "llrrrr", ["Hardening (instance)", "Operation", "p50 ms", "p99 ms", "req/s", "API CPU ms/req"], operations.SelectMany(operation => new[] { true, false }.Select(enabled =>
        {
            var s = samples[(enabled, operation)];
            return new[] { enabled ? $"on (`{Hardened}`)" : $"{(options.HotCalibration ? "on" : "off")} (`{Baseline}`)", operation, Markdown.F(s.P50), Markdown.F(s.P99), Markdown.F(s.Throughput, "0"), Markdown.F(s.CpuPerRequest, "0.00") };
        })));
        double Ratio(string operation, Func<Samples, double> pick) => pick(samples[(true, operation)]) / pick(samples[(false, operation)]);
        report.AppendLine(CultureInfo.InvariantCulture, $"Ratios on/off: read p50 **{Ratio("read", s => s.P50):0.00}**, read p99 **{Ratio("read", s => s.P99):0.00}**, read throughput **{Ratio("read", s => s.Throughput):0.00}**, read CPU per request **{Ratio("read", s => s.CpuPerRequest):0.00}**; create p50 **{Ratio("create", s => s.P50):0.00}**, create p99 **{Ratio("create", s => s.P99):0.00}**, create throughput **{Ratio("create", s => s.Throughput):0.00}**, create CPU per request **{Ratio("create", s => s.CpuPerRequest):0.00}**.");
        report.AppendLine();
    }

    private sealed class Samples
    {
        public List<double> Latencies { get; } = [];

        public double Seconds { get; set; }

        public double P50 => LatencyStats.Percentile(Latencies, 0.50);

        public double P99 => LatencyStats.Percentile(Latencies, 0.99);

        public double Throughput => Latencies.Count / Seconds;

        public long CpuTicks { get; set; }

        /// <summary>Milliseconds of the API process's CPU time per request.</summary>
        public double CpuPerRequest => CpuTicks * 1000.0 / ProcFs.ClockTicksPerSecond / Latencies.Count;
    }

    private void WriteBreaker(StringBuilder report, List<(bool Enabled, double[] Latencies, string Answers)> outages)
    {
        report.AppendLine("### While the database is down: breaker open vs no breaker");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"After a Stop of `postgres`, {options.OutageRequests} reads one after another (retry base delay 0.2 s, everything else default: 3 retries, 5 s connect timeout, breaker after {BreakerThreshold} failed operations).");
        report.AppendLine();
        Markdown.Table(report, "lrrrl", ["Hardening", $"first {BreakerThreshold}: mean ms", $"the other {options.OutageRequests - BreakerThreshold}: p50 ms", "all: p50 ms", "Answers"], outages.Select(o => new[]
        {
            OnOff(o.Enabled),
            Markdown.F(o.Latencies.Take(BreakerThreshold).Average(), "0"),
            Markdown.F(LatencyStats.Percentile(o.Latencies.Skip(BreakerThreshold), 0.5), "0.0"),
            Markdown.F(LatencyStats.Percentile(o.Latencies, 0.5), "0.0"),
            o.Answers,
        }));
        if (outages.Any(o => o.Enabled) && outages.Any(o => !o.Enabled))
        {
            var open = LatencyStats.Percentile(outages.Single(o => o.Enabled).Latencies.Skip(BreakerThreshold), 0.5);
            var without = LatencyStats.Percentile(outages.Single(o => !o.Enabled).Latencies, 0.5);
            report.AppendLine(CultureInfo.InvariantCulture, $"A caller without the breaker waits **{without / open:0}×** as long as one refused by the open breaker (p50 {without:0} ms vs {open:0.0} ms).");
            report.AppendLine();
        }
    }

    private static string OnOff(bool enabled) => enabled ? "on" : "off";

    private static async Task<Guid> CreateAsync(HttpClient api, int i)
    {
        using var response = await api.PostAsJsonAsync("/api/tickets", new { displayName = $"bench {i}", contactType = "EMAIL", contactValue = $"bench{i}@example.org" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task<bool> ReadAsync(HttpClient api, Guid id, bool expectSuccess)
    {
        using var response = await api.GetAsync($"/api/tickets/{id}");
        if (expectSuccess)
        {
            response.EnsureSuccessStatusCode();
        }

        return response.IsSuccessStatusCode;
    }
}
