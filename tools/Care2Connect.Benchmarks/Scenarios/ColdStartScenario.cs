using System.Globalization;
using System.Text;
using Care2Connect.Benchmarks.Infrastructure;

namespace Care2Connect.Benchmarks.Scenarios;

/// <summary>
/// Launch to every resource healthy, for the full AppHost and for <c>tools/Care2Connect.MinimalAppHost</c> (Postgres
/// and a bare API), alternating, on one shared Postgres data directory that a first, uncounted boot creates (initdb and
/// migrations), so every counted boot starts from existing data as a restart of the machine would.
/// </summary>
internal sealed class ColdStartScenario(BenchmarkOptions options)
{
    public async Task<string> RunAsync()
    {
        var scratch = Path.Combine(Path.GetTempPath(), "c2c-bench-cold-" + Guid.NewGuid().ToString("N")[..8]);
        var settings = new BootSettings { DataDirectory = Path.Combine(scratch, "postgres") };
        try
        {
            Progress.Say("Cold start: first boot (creates the cluster and applies the migrations; not counted) ...");
            var first = await BootAsync(SystemShape.Full, settings);

            var boots = new List<Boot>();
            for (var round = 1; round <= options.Repeat; round++)
            {
                // Alternating order, so neither shape always boots right after the other's shutdown.
                SystemShape[] order = round % 2 == 1 ? [SystemShape.Minimal, SystemShape.Full] : [SystemShape.Full, SystemShape.Minimal];
                foreach (var shape in order)
                {
                    Progress.Say($"Cold start: round {round}/{options.Repeat}, {shape} ...");
                    boots.Add(await BootAsync(shape, settings));
                }
            }

            return Write(first, boots);
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    private static async Task<Boot> BootAsync(SystemShape shape, BootSettings settings)
    {
        BenchSystem? system = null;
        try
        {
            system = await BenchSystem.StartAsync(shape, settings);
            await system.WaitAllHealthyAsync();
        }
        finally
        {
            if (system is not null)
            {
                await system.DisposeAsync();
            }
        }

        Progress.Say($"Cold start: {shape}: api ready after {system.ApiReady!.Value.TotalSeconds:0.0} s, all healthy after {system.AllHealthy!.Value.TotalSeconds:0.0} s (last: {system.LastHealthy}), stopped in {system.StopTook!.Value.TotalSeconds:0.0} s.");
        return new Boot(shape, system.ResourceNames, system.Declared, system.Started, system.ApiReady!.Value, system.AllHealthy!.Value, system.LastHealthy!, system.StopTook!.Value);
    }

    private string Write(Boot first, List<Boot> boots)
    {
        var report = new StringBuilder();
        report.AppendLine("### Cold start: full AppHost vs minimal (Postgres + bare API)");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Each system booted {options.Repeat}× alternately, in this process through `DistributedApplicationTestingBuilder` (dashboard off, random ports, Local Postgres on one existing data directory, everything already built). Seconds from the start of the boot as min / median / max: *declared* = the AppHost's model is built (for the full system its `Program` has run), *started* = `StartAsync` returned, *api ready* = the api's `/health` (its database reachable and migrated) first answered 200, asked by the harness every 50 ms; *all healthy* = the last resource the orchestrator runs (listed) reported Healthy — the orchestrator checks an unhealthy resource after 1, 2, 3, 4 and then every 5 s, so this column moves in those steps. *Stop* = `StopAsync`.");
        report.AppendLine();
        Markdown.Table(report, "llrrrrlr", ["System", "Resources", "Declared", "Started", "API ready", "All healthy", "Last to be healthy", "Stop"],
            boots.GroupBy(b => b.Shape).Select(g => new[]
            {
                g.Key == SystemShape.Full ? "full (`Care2Connect.AppHost`)" : "minimal",
                string.Join(", ", g.First().Resources),
                Spread.Seconds(g.Select(b => (TimeSpan?)b.Declared), 2),
                Spread.Seconds(g.Select(b => (TimeSpan?)b.Started), 2),
                Spread.Seconds(g.Select(b => (TimeSpan?)b.ApiReady), 2),
                Spread.Seconds(g.Select(b => (TimeSpan?)b.AllHealthy)),
                string.Join(", ", g.Select(b => b.LastHealthy).Distinct()),
                Spread.Seconds(g.Select(b => (TimeSpan?)b.StopTook)),
            }));
        double Median(SystemShape shape, Func<Boot, TimeSpan> of) => Spread.Median([.. boots.Where(b => b.Shape == shape).Select(b => of(b).TotalSeconds).Order()]);
        double Ratio(Func<Boot, TimeSpan> of) => Median(SystemShape.Full, of) / Median(SystemShape.Minimal, of);
        report.AppendLine(CultureInfo.InvariantCulture, $"Ratio full / minimal (medians): launch to api ready **{Ratio(b => b.ApiReady):0.00}**, launch to all healthy as the orchestrator shows it **{Ratio(b => b.AllHealthy):0.00}**. The first boot on an empty data directory (initdb, database creation, migrations; full system) took {first.ApiReady.TotalSeconds:0.0} s to api ready, {first.AllHealthy.TotalSeconds:0.0} s to all healthy (not counted above).");
        report.AppendLine();
        return report.ToString();
    }

    private sealed record Boot(SystemShape Shape, IReadOnlyList<string> Resources, TimeSpan Declared, TimeSpan Started, TimeSpan ApiReady, TimeSpan AllHealthy, string LastHealthy, TimeSpan StopTook);
}
