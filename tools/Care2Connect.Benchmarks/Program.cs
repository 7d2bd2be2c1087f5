// Care2Connect benchmark harness: boots the real AppHost (Local Postgres) and measures, printing a markdown report
// on stdout (progress on stderr). Not a test: numbers go into docs/BENCHMARKS.md, read as ratios between
// measurements made side by side in one run.
//
//   dotnet run --project tools/Care2Connect.Benchmarks -c Release -- [--only hot,breaker,faults,coldstart,monitor,launch]
//       [--repeat 3] [--requests 400] [--concurrency 8] [--outage-requests 20] [--monitor-seconds 60]
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Care2Connect.Benchmarks;
using Care2Connect.Benchmarks.Infrastructure;
using Care2Connect.Benchmarks.Scenarios;

BenchmarkOptions options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 2;
}

var header = new StringBuilder();
header.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, .NET {Environment.Version}; `{string.Join(' ', args)}`.");
Console.WriteLine(header);

var failed = false;
(bool Selected, Func<Task<string>> Run)[] scenarios =
[
    (options.Runs(Scenario.Hot) || options.Runs(Scenario.Breaker), () => new HardeningScenario(options).RunAsync()),
    (options.Runs(Scenario.Faults), () => new FaultScenario(options).RunAsync()),
    (options.Runs(Scenario.ColdStart), () => new ColdStartScenario(options).RunAsync()),
    (options.Runs(Scenario.Monitor), () => new MonitorFootprintScenario(options).RunAsync()),
    (options.Runs(Scenario.Launch), () => new LaunchScenario(options).RunAsync()),
];
foreach (var (selected, run) in scenarios.Where(s => s.Selected))
{
    // One scenario failing (a boot that never gets healthy on an overloaded machine) leaves the others' numbers.
    try
    {
        Console.WriteLine(await run());
    }
    catch (Exception exception) when (exception is TimeoutException or OperationCanceledException or InvalidOperationException or HttpRequestException)
    {
        failed = true;
        Progress.Say($"Scenario failed: {exception}");
        Console.WriteLine($"A scenario failed: {exception.GetType().Name}: {exception.Message}");
        Console.WriteLine();
    }
}

Progress.Say("Done.");
return failed ? 1 : 0;
