// Care2Connect benchmark harness: boots the real AppHost (Local Postgres) and measures, printing a markdown report
// on stdout (progress on stderr). Not a test: numbers go into docs/BENCHMARKS.md, read as ratios between
// measurements made side by side in one run.
//
//   dotnet run --project tools/Care2Connect.Benchmarks -c Release -- [--only hot,breaker,faults,coldstart,monitor]
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

if (options.Runs(Scenario.Hot) || options.Runs(Scenario.Breaker))
{
    Console.WriteLine(await new HardeningScenario(options).RunAsync());
}

if (options.Runs(Scenario.Faults))
{
    Console.WriteLine(await new FaultScenario(options).RunAsync());
}

if (options.Runs(Scenario.ColdStart))
{
    Console.WriteLine(await new ColdStartScenario(options).RunAsync());
}

if (options.Runs(Scenario.Monitor))
{
    Console.WriteLine(await new MonitorFootprintScenario(options).RunAsync());
}

Progress.Say("Done.");
return 0;
