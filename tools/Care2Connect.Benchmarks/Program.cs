// Care2Connect benchmark harness: boots the real AppHost (Local Postgres) and measures, printing a markdown table.
// Not a test: numbers go into docs/BENCHMARKS.md and closing notes, as ratios between runs made side by side.
//
//   dotnet run --project tools/Care2Connect.Benchmarks -c Release [-- --requests 400 --concurrency 8]
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var requests = ArgValue("--requests", 400);
var concurrency = ArgValue("--concurrency", 8);
var report = new StringBuilder();
report.AppendLine(CultureInfo.InvariantCulture, $"Requests per measurement: {requests}, concurrency {concurrency}, machine: {Environment.ProcessorCount} cores.");
report.AppendLine();
report.AppendLine("| Hardening | Operation | p50 ms | p99 ms | req/s | Outage: latency while DB is down (p50 ms) |");
report.AppendLine("| --- | --- | ---: | ---: | ---: | --- |");

// Two rounds in alternating order, so neither mode always runs on a warmer or cooler machine.
var results = new List<(bool Enabled, Stats Read, Stats Create, Stats Down)>();
foreach (var enabled in new[] { true, false, false, true })
{
    Console.Error.WriteLine($"Booting the AppHost with Database:Resilience:Enabled={enabled} ...");
    await using var system = await BootAsync(enabled);
    using var api = system.App.CreateHttpClient("api");
    api.DefaultRequestHeaders.Add("X-Api-Key", system.OperatorKey);
    api.Timeout = TimeSpan.FromSeconds(120);

    // Warm up, then measure creates and reads at fixed concurrency.
    var ids = await RunAsync(200, concurrency, async i => await CreateAsync(api, i));
    await MeasureAsync(requests, concurrency, async i =>
    {
        using var response = await api.GetAsync($"/api/tickets/{ids[i % ids.Count]}");
        return Guid.Empty;
    });
    var createStats = await MeasureAsync(requests, concurrency, async i => await CreateAsync(api, i));
    var readStats = await MeasureAsync(requests, concurrency, async i =>
    {
        using var response = await api.GetAsync($"/api/tickets/{ids[i % ids.Count]}");
        response.EnsureSuccessStatusCode();
        return Guid.Empty;
    });

    // Outage: stop Postgres and time what a caller waits. With the hardening on, the first operations exhaust
    // their retries and open the breaker; the rest are refused at once.
    await system.App.ResourceCommands.ExecuteCommandAsync("postgres", KnownResourceCommands.StopCommand);
    await system.App.ResourceNotifications.WaitForResourceAsync("postgres", e => e.Snapshot.State?.Text is "Exited" or "Finished");
    var downStats = await MeasureAsync(20, 1, async i =>
    {
        using var response = await api.GetAsync($"/api/tickets/{ids[i % ids.Count]}");
        return response.IsSuccessStatusCode ? throw new InvalidOperationException("the database is down") : Guid.Empty;
    });

    results.Add((enabled, readStats.Stats, createStats.Stats, downStats.Stats));
    var label = enabled ? "on" : "off";
    report.AppendLine(CultureInfo.InvariantCulture, $"| {label} | read | {readStats.Stats.P50:0.0} | {readStats.Stats.P99:0.0} | {readStats.Stats.Throughput:0} | first 5: {downStats.Stats.First5:0} ms each; last 15: p50 {downStats.Stats.Last15P50:0.0} ms |");
    report.AppendLine(CultureInfo.InvariantCulture, $"| {label} | create | {createStats.Stats.P50:0.0} | {createStats.Stats.P99:0.0} | {createStats.Stats.Throughput:0} | |");
}

report.AppendLine();
double Mean(bool enabled, Func<(bool Enabled, Stats Read, Stats Create, Stats Down), double> pick) =>
    results.Where(r => r.Enabled == enabled).Average(pick);
double Ratio(Func<(bool Enabled, Stats Read, Stats Create, Stats Down), double> pick) => Mean(true, pick) / Mean(false, pick);
report.AppendLine(CultureInfo.InvariantCulture, $"Ratios on/off (mean of the rounds): read p50 {Ratio(r => r.Read.P50):0.00}, read p99 {Ratio(r => r.Read.P99):0.00}, create p50 {Ratio(r => r.Create.P50):0.00}, create p99 {Ratio(r => r.Create.P99):0.00}, read throughput {Ratio(r => r.Read.Throughput):0.00}, create throughput {Ratio(r => r.Create.Throughput):0.00}.");
Console.WriteLine(report.ToString());
return 0;

static async Task<Guid> CreateAsync(HttpClient api, int i)
{
    using var response = await api.PostAsJsonAsync("/api/tickets", new { displayName = $"bench {i}", contactType = "EMAIL", contactValue = $"bench{i}@example.org" });
    response.EnsureSuccessStatusCode();
    return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
}

static async Task<List<Guid>> RunAsync(int count, int parallelism, Func<int, Task<Guid>> action) =>
    (await MeasureAsync(count, parallelism, action)).Results;

static async Task<(List<Guid> Results, Stats Stats)> MeasureAsync(int count, int parallelism, Func<int, Task<Guid>> action)
{
    var latencies = new double[count];
    var results = new Guid[count];
    var next = -1;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, parallelism).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            var started = Stopwatch.GetTimestamp();
            results[i] = await action(i);
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
    }));
    clock.Stop();
    return ([.. results], Stats.Of(latencies, clock.Elapsed));
}

static async Task<BootedSystem> BootAsync(bool hardening)
{
    var operatorKey = "bench-" + Guid.NewGuid().ToString("N");
    var dataDirectory = Path.Combine(Path.GetTempPath(), "c2c-bench-" + Guid.NewGuid().ToString("N")[..8]);
    using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
    var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Care2Connect_AppHost>(
        [
            "Postgres:Mode=Local",
            $"Postgres:DataDirectory={dataDirectory}",
            $"Parameters:operator-key={operatorKey}",
            $"Parameters:admin-key=admin-{Guid.NewGuid():N}",
            $"Parameters:postgres-password=pw-{Guid.NewGuid():N}",
        ],
        timeout.Token);
    // Keep the console for the table: resource logs and per-request client logs stay out of it.
    builder.Services.AddLogging(logging => logging
        .AddFilter("Care2Connect.AppHost.Resources", LogLevel.None)
        .AddFilter("System.Net.Http", LogLevel.None)
        .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None)
        .AddFilter("Aspire", LogLevel.Warning));
    builder.CreateResourceBuilder<ProjectResource>("api")
        .WithEnvironment("Database__Resilience__Enabled", hardening ? "true" : "false")
        // Only the failure path is shortened, so the outage measurement finishes in seconds.
        .WithEnvironment("Database__Resilience__BaseDelay", "00:00:00.200")
        .WithEnvironment("Database__Migration__RetryDelay", "00:00:01")
        .WithEnvironment("Logging__LogLevel__Default", "Warning");
    var app = await builder.BuildAsync(timeout.Token);
    await app.StartAsync(timeout.Token);
    await app.ResourceNotifications.WaitForResourceHealthyAsync("api", timeout.Token);
    return new BootedSystem(app, operatorKey, dataDirectory);
}

int ArgValue(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

internal sealed record Stats(double P50, double P99, double Throughput, double First5, double Last15P50)
{
    public static Stats Of(double[] latencies, TimeSpan elapsed)
    {
        var sorted = latencies.Order().ToArray();
        double Percentile(double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        var last = latencies.Skip(5).Order().ToArray();
        return new(
            Percentile(0.50),
            Percentile(0.99),
            latencies.Length / elapsed.TotalSeconds,
            latencies.Take(5).Average(),
            last.Length == 0 ? 0 : last[last.Length / 2]);
    }
}

internal sealed record BootedSystem(DistributedApplication App, string OperatorKey, string DataDirectory) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
