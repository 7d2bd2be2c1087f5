using System.Globalization;
using System.Text;
using Care2Connect.Benchmarks.Infrastructure;

namespace Care2Connect.Benchmarks.Scenarios;

/// <summary>
/// The Monitor's resident memory and CPU while it checks its components, at its default intervals and at 1 s, each
/// on its own boot of the full system. Read from <c>/proc</c>: <c>VmRSS</c> sampled every second, CPU as the growth
/// of <c>utime + stime</c> over the window. The API's app process is sampled alongside for scale.
/// </summary>
internal sealed class MonitorFootprintScenario(BenchmarkOptions options)
{
    // Past startup (JIT, first checks, history file creation) before the window opens.
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(1);

    public async Task<string> RunAsync()
    {
        var modes = new (string Label, Dictionary<string, string> Environment)[]
        {
            ("default: API checks every 60 s, tunnel and public site every 30 s", []),
            ("fast: every check every 1 s", new() { ["Monitor__DefaultInterval"] = "00:00:01", ["Monitor__EdgeInterval"] = "00:00:01" }),
        };
        var rows = new List<string[]>();
        foreach (var (label, environment) in modes)
        {
            Progress.Say($"Monitor footprint: booting ({label}) ...");
            await using var system = await BenchSystem.StartAsync(SystemShape.Full, new BootSettings { Monitor = environment });
            await system.WaitAllHealthyAsync();
            await Task.Delay(WarmUp);
            var processes = new (string Name, int Pid)[]
            {
                ("Monitor (app)", system.AppPid("monitor", "Care2Connect.Monitor")),
                ("Monitor's `dotnet run` wrapper", ResourceTimeline.PidOf(system.Timeline.Latest("monitor").Snapshot)!.Value),
                ("API (app), for scale", system.AppPid("api", "Care2Connect.Api")),
            };
            Progress.Say($"Monitor footprint: sampling for {options.MonitorWindow.TotalSeconds:0} s ...");
            var samples = await SampleAsync(processes.Select(p => p.Pid).ToArray());
            rows.AddRange(processes.Select((p, i) => new[]
            {
                label,
                p.Name,
                Markdown.F(samples[i].RssKiB.Average() / 1024, "0"),
                Markdown.F(samples[i].RssKiB.Max() / 1024.0, "0"),
                Markdown.F(samples[i].CpuSeconds, "0.00"),
                Markdown.F(100 * samples[i].CpuSeconds / options.MonitorWindow.TotalSeconds, "0.00"),
            }));
        }

        var report = new StringBuilder();
        report.AppendLine("### Monitor footprint");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Full system, {WarmUp.TotalSeconds:0} s after every resource is healthy, then {options.MonitorWindow.TotalSeconds:0} s sampled: `VmRSS` of `/proc/<pid>/status` every {SampleEvery.TotalSeconds:0} s, CPU = growth of `utime + stime` (`/proc/<pid>/stat`, {ProcFs.ClockTicksPerSecond} ticks/s) over the window, as % of one core. The Monitor checks the API (`/alive`, `/health`, `/health/status`), the simulated tunnel (`/ready`), the public site through it, and the disk; no webhooks configured; with the dashboard off its telemetry export finds no collector.");
        report.AppendLine();
        Markdown.Table(report, "llrrrr", ["Check intervals", "Process", "RSS mean MiB", "RSS max MiB", "CPU s in window", "CPU % of one core"], rows);
        return report.ToString();
    }

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
