using System.Globalization;

namespace Care2Connect.Benchmarks;

/// <summary>The scenarios, in the order they run and print.</summary>
internal enum Scenario
{
    Hot,
    Breaker,
    Faults,
    ColdStart,
    Monitor,
    Launch,
}

/// <summary>
/// Command line: <c>--only hot,breaker,faults,coldstart,monitor,launch</c> (default: all), <c>--repeat N</c> (faults and cold
/// starts, default 3), <c>--requests N</c> and <c>--concurrency N</c> (hot path, default 400 and 8),
/// <c>--outage-requests N</c> (breaker, default 20), <c>--monitor-seconds N</c> (footprint window, default 60),
/// <c>--hot-calibration true</c> (hot path with both instances hardened: the comparison's noise floor).
/// </summary>
internal sealed record BenchmarkOptions
{
    public required IReadOnlySet<Scenario> Only { get; init; }

    public int Repeat { get; init; } = 3;

    public int Requests { get; init; } = 400;

    public int Concurrency { get; init; } = 8;

    public int OutageRequests { get; init; } = 20;

    public TimeSpan MonitorWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Calibration of the hot path: the baseline instance hardened too (an A/A run shows the noise floor).</summary>
    public bool HotCalibration { get; init; }

    public bool Runs(Scenario scenario) => Only.Contains(scenario);

    public static BenchmarkOptions Parse(string[] args)
    {
        var known = new[] { "--only", "--repeat", "--requests", "--concurrency", "--outage-requests", "--monitor-seconds", "--hot-calibration" };
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!known.Contains(args[i]) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Unknown or incomplete option '{args[i]}'. Options: {string.Join(", ", known)} (each with a value).");
            }
        }

        var only = Value(args, "--only") is { } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(name => Enum.TryParse<Scenario>(name, ignoreCase: true, out var scenario)
                    ? scenario
                    : throw new ArgumentException($"Unknown scenario '{name}'. Scenarios: {string.Join(", ", Enum.GetNames<Scenario>()).ToLowerInvariant()}."))
                .ToHashSet()
            : [.. Enum.GetValues<Scenario>()];
        return new BenchmarkOptions
        {
            Only = only,
            Repeat = Number(args, "--repeat", 3),
            Requests = Number(args, "--requests", 400),
            Concurrency = Number(args, "--concurrency", 8),
            OutageRequests = Number(args, "--outage-requests", 20),
            MonitorWindow = TimeSpan.FromSeconds(Number(args, "--monitor-seconds", 60)),
            HotCalibration = Value(args, "--hot-calibration") is { } calibration
                && (bool.TryParse(calibration, out var on) ? on : throw new ArgumentException($"--hot-calibration takes true or false, not '{calibration}'.")),
        };
    }

    private static string? Value(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static int Number(string[] args, string name, int fallback) =>
        Value(args, name) is { } text
            ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
                ? value
                : throw new ArgumentException($"{name} takes a positive whole number, not '{text}'.")
            : fallback;
}
