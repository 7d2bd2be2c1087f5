using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Care2Connect.Benchmarks.Infrastructure;

namespace Care2Connect.Benchmarks.Scenarios;

/// <summary>
/// Issue 3's measurements: the hot-path cost of <c>Database:Resilience:Enabled</c> (reads and creates at fixed
/// concurrency, in alternating boots on, off, off, on) and what a caller waits while Postgres is down, with and
/// without the breaker (sequential reads after a Stop of <c>postgres</c>; measured once per mode).
/// </summary>
internal sealed class HardeningScenario(BenchmarkOptions options)
{
    private const int WarmUpCreates = 200;
    private const int WarmUpReads = 400;
    private const int BreakerThreshold = 5; // the default Database:Resilience:BreakerFailureThreshold

    public async Task<string> RunAsync()
    {
        var hot = options.Runs(Scenario.Hot);
        var breaker = options.Runs(Scenario.Breaker);
        // Alternating order, so neither mode always runs on a warmer or cooler machine.
        bool[] rounds = hot ? [true, false, false, true] : [true, false];
        var hotResults = new List<(bool Enabled, LatencyStats Read, LatencyStats Create)>();
        var outages = new List<(bool Enabled, double[] Latencies, string Answers)>();

        foreach (var enabled in rounds)
        {
            Progress.Say($"Hardening: booting with Database:Resilience:Enabled={enabled} ...");
            await using var system = await BenchSystem.StartAsync(SystemShape.Full, new BootSettings
            {
                Api = new Dictionary<string, string>
                {
                    ["Database__Resilience__Enabled"] = enabled ? "true" : "false",
                    // Only the failure path is shortened, so the outage measurement finishes in seconds.
                    ["Database__Resilience__BaseDelay"] = "00:00:00.200",
                    ["Database__Migration__RetryDelay"] = "00:00:01",
                },
            });
            using var timeout = new CancellationTokenSource(BenchSystem.BootTimeout);
            await system.App.ResourceNotifications.WaitForResourceHealthyAsync("api", timeout.Token);
            using var api = system.CreateClient("api", "http", TimeSpan.FromSeconds(120));

            var (ids, _) = await Load.MeasureAsync(WarmUpCreates, options.Concurrency, i => CreateAsync(api, i));
            await Load.MeasureAsync(WarmUpReads, options.Concurrency, i => ReadAsync(api, ids[i % ids.Count], expectSuccess: false));
            if (hot)
            {
                Progress.Say("Hardening: measuring creates and reads ...");
                var (_, create) = await Load.MeasureAsync(options.Requests, options.Concurrency, i => CreateAsync(api, WarmUpCreates + i));
                var (_, read) = await Load.MeasureAsync(options.Requests, options.Concurrency, i => ReadAsync(api, ids[i % ids.Count], expectSuccess: true));
                hotResults.Add((enabled, read, create));
            }

            if (breaker && !outages.Any(o => o.Enabled == enabled))
            {
                // With the hardening on, the first operations exhaust their retries and open the breaker; the rest
                // are refused at once. Without it, every caller waits for the connect timeout.
                Progress.Say($"Hardening: stopping postgres, then {options.OutageRequests} reads one after another ...");
                await system.ExecuteCommandAsync("postgres", KnownResourceCommands.StopCommand);
                await system.App.ResourceNotifications.WaitForResourceAsync("postgres", e => e.Snapshot.State?.Text is "Exited" or "Finished", timeout.Token);
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
        }

        var report = new StringBuilder();
        if (hot)
        {
            WriteHot(report, hotResults);
        }

        if (breaker)
        {
            WriteBreaker(report, outages);
        }

        return report.ToString();
    }

    private void WriteHot(StringBuilder report, List<(bool Enabled, LatencyStats Read, LatencyStats Create)> results)
    {
        report.AppendLine("### Hot path: hardening on vs off");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"{results.Count} boots in the order on, off, off, on; each warms up with {WarmUpCreates} creates and {WarmUpReads} reads, then measures {options.Requests} creates and {options.Requests} reads at concurrency {options.Concurrency} on the API's public endpoint (operator key).");
        report.AppendLine();
        Markdown.Table(report, "llrrr", ["Hardening", "Operation", "p50 ms", "p99 ms", "req/s"], results.SelectMany(r => new[]
        {
            new[] { OnOff(r.Enabled), "read", Markdown.F(r.Read.P50), Markdown.F(r.Read.P99), Markdown.F(r.Read.Throughput, "0") },
            [OnOff(r.Enabled), "create", Markdown.F(r.Create.P50), Markdown.F(r.Create.P99), Markdown.F(r.Create.Throughput, "0")],
        }));
        double Ratio(Func<(bool Enabled, LatencyStats Read, LatencyStats Create), double> pick) =>
            results.Where(r => r.Enabled).Average(pick) / results.Where(r => !r.Enabled).Average(pick);
        report.AppendLine(CultureInfo.InvariantCulture, $"Ratios on/off (mean of the rounds per mode): read p50 **{Ratio(r => r.Read.P50):0.00}**, read p99 {Ratio(r => r.Read.P99):0.00}, create p50 **{Ratio(r => r.Create.P50):0.00}**, create p99 {Ratio(r => r.Create.P99):0.00}, read throughput **{Ratio(r => r.Read.Throughput):0.00}**, create throughput **{Ratio(r => r.Create.Throughput):0.00}**.");
        report.AppendLine();
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
