using System.Globalization;
using System.Text;
using Care2Connect.AppHost.BuiltProjects;
using Care2Connect.Benchmarks.Infrastructure;

namespace Care2Connect.Benchmarks.Scenarios;

/// <summary>
/// The Monitor's resident memory and CPU while it checks its components, compiled ahead of time (what a Release
/// AppHost runs) and JIT-compiled from its build output with the runtime settings its csproj ships (before issue 13's
/// native AOT), at its default intervals and with every check every second; each on its own boot of the full system,
/// alternating. Read from
/// <c>/proc</c>: <c>VmRSS</c> sampled every second, CPU as the growth of <c>utime + stime</c> over the window, the GC
/// actually running from the process's thread names. The API's app process is sampled alongside for scale.
/// </summary>
internal sealed class MonitorFootprintScenario(BenchmarkOptions options)
{
    // Past startup (JIT, first checks, history file creation) before the window opens.
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(1);

    private static readonly Dictionary<string, string> Fast = new() { ["Monitor__DefaultInterval"] = "00:00:01", ["Monitor__EdgeInterval"] = "00:00:01" };

    /// <summary>What Care2Connect.Monitor.csproj sets since: workstation, non-concurrent GC, no tiered PGO.</summary>
    private static readonly Dictionary<string, string> Shipped = new() { ["DOTNET_gcServer"] = "0", ["DOTNET_gcConcurrent"] = "0", ["DOTNET_TieredPGO"] = "0" };

    public async Task<string> RunAsync()
    {
        // JIT: the build output, as before issue 13's native AOT (AppHost:RunBuildOutput; the API then runs from its
        // build output too). AOT: what a Release AppHost runs. Alternating, default intervals then fast ones.
        string[] jit = [$"{BuiltProjectExtensions.RunBuildOutputKey}=true"];
        var variants = new (string Settings, string[] AppHost, Dictionary<string, string> Runtime, string Intervals, Dictionary<string, string> Checks)[]
        {
            ("JIT: build output, workstation GC, non-concurrent, TieredPGO off", jit, Shipped, "default", []),
            ("native AOT (Release)", [], [], "default", []),
            ("native AOT (Release)", [], [], "fast", Fast),
            ("JIT: build output, workstation GC, non-concurrent, TieredPGO off", jit, Shipped, "fast", Fast),
        };
        var rows = new List<string[]>();
        foreach (var (settings, appHost, runtime, intervals, checks) in variants)
        {
            Progress.Say($"Monitor footprint: booting ({settings}; {intervals} intervals) ...");
            await using var system = await BenchSystem.StartAsync(SystemShape.Full, new BootSettings { AppHost = appHost, Monitor = With(runtime, [.. checks.Select(c => (c.Key, c.Value))]) });
            await system.WaitAllHealthyAsync();
            await Task.Delay(WarmUp);
            var monitor = system.AppPid("monitor", "Care2Connect.Monitor");
            var api = system.AppPid("api", "Care2Connect.Api");
            var collector = ProcFs.GarbageCollector(monitor);
            Progress.Say($"Monitor footprint: sampling for {options.MonitorWindow.TotalSeconds:0} s ...");
            var samples = await SampleAsync([monitor, api]);
            rows.Add(Row(settings, intervals, $"Monitor ({collector})", samples[0]));
            rows.Add(Row(settings, intervals, "API, for scale", samples[1]));
        }

        var report = new StringBuilder();
        report.AppendLine("### Monitor footprint");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Full system, one boot per row pair, {WarmUp.TotalSeconds:0} s after every resource is healthy, then {options.MonitorWindow.TotalSeconds:0} s sampled: `VmRSS` of `/proc/<pid>/status` every {SampleEvery.TotalSeconds:0} s, CPU = growth of `utime + stime` (`/proc/<pid>/stat`, {ProcFs.ClockTicksPerSecond} ticks/s) over the window, as % of one core. *JIT* runs the Monitor (and the API) from the build output (`AppHost:RunBuildOutput=true`) with the runtime settings its csproj ships, as `DOTNET_*` variables; *native AOT* is what a Release AppHost runs (the API then ReadyToRun). The GC in the Process column is read from the Monitor's thread names. *Default* intervals: API checks every 60 s, tunnel and public site every 30 s; *fast*: every check every 1 s. The Monitor checks the API (`/alive`, `/health`, `/health/status`), the simulated tunnel (`/ready`), the public site through it, and the disk; no webhooks configured; with the dashboard off its telemetry export finds no collector.");
        report.AppendLine();
        Markdown.Table(report, "lllrrrr", ["Monitor runtime settings", "Check intervals", "Process", "RSS mean MiB", "RSS max MiB", "CPU s in window", "CPU % of one core"], rows);
        var before = rows[0];
        report.AppendLine(CultureInfo.InvariantCulture, $"Each Monitor row's RSS mean ÷ the first row's ({before[3]} MiB): {string.Join(", ", rows.Where(r => r[2].StartsWith("Monitor", StringComparison.Ordinal)).Select(r => $"{r[0]} ({r[1]}) ×{double.Parse(r[3], CultureInfo.InvariantCulture) / double.Parse(before[3], CultureInfo.InvariantCulture):0.00}"))}.");
        report.AppendLine();
        return report.ToString();
    }

    private static Dictionary<string, string> With(Dictionary<string, string> settings, params (string Key, string Value)[] changes)
    {
        var result = new Dictionary<string, string>(settings);
        foreach (var (key, value) in changes)
        {
            result[key] = value;
        }

        return result;
    }

    private string[] Row(string settings, string intervals, string process, (List<long> RssKiB, double CpuSeconds) sample) =>
    [
        settings,
        intervals,
        process,
        Markdown.F(sample.RssKiB.Average() / 1024, "0"),
        Markdown.F(sample.RssKiB.Max() / 1024.0, "0"),
        Markdown.F(sample.CpuSeconds, "0.00"),
        Markdown.F(100 * sample.CpuSeconds / options.MonitorWindow.TotalSeconds, "0.00"),
    ];

    private async Task<List<(List<long> RssKiB, double CpuSeconds)>> SampleAsync(int[] pids)
    {
        var startTicks = pids.Select(ProcFs.CpuTicks).ToArray();
        var rss = pids.Select(_ => new List<long>()).ToArray();
        using var timer = new PeriodicTimer(SampleEvery);
        var samples = (int)(options.MonitorWindow / SampleEvery);
        for (var i = 0; i < samples; i++)
        {
            await timer.WaitForNextTickAsync();
            for (var p = 0; p < pids.Length; p++)
            {
                rss[p].Add(ProcFs.ResidentKiB(pids[p]));
            }
        }

        // A process restarted in the window would be gone (or a different one): reading it fails loudly instead.
        return [.. pids.Select((pid, p) => (rss[p], (ProcFs.CpuTicks(pid) - startTicks[p]) / (double)ProcFs.ClockTicksPerSecond))];
    }
}
