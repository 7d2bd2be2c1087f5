using System.Diagnostics;

namespace Care2Connect.Benchmarks.Infrastructure;

/// <summary>Latency percentiles and throughput of one measured batch.</summary>
internal sealed record LatencyStats(double P50, double P99, double Throughput, IReadOnlyList<double> Latencies)
{
    public static LatencyStats Of(double[] latencies, TimeSpan elapsed) =>
        new(Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies.Length / elapsed.TotalSeconds, latencies);

    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>Runs a numbered action a fixed number of times from a fixed number of concurrent callers.</summary>
internal static class Load
{
    public static async Task<(List<T> Results, LatencyStats Stats)> MeasureAsync<T>(int count, int parallelism, Func<int, Task<T>> action)
    {
        var latencies = new double[count];
        var results = new T[count];
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
        return ([.. results], LatencyStats.Of(latencies, clock.Elapsed));
    }
}

/// <summary>min / median / max of repeated measurements, for the tables.</summary>
internal static class Spread
{
    public static string Seconds(IEnumerable<TimeSpan?> values, int decimals = 1)
    {
        var list = values.ToList();
        var present = list.Where(v => v is not null).Select(v => v!.Value.TotalSeconds).Order().ToList();
        if (present.Count == 0)
        {
            return "—";
        }

        var format = "F" + decimals;
        var text = present.Count == 1
            ? present[0].ToString(format, System.Globalization.CultureInfo.InvariantCulture)
            : string.Join(" / ", new[] { present[0], Median(present), present[^1] }.Select(v => v.ToString(format, System.Globalization.CultureInfo.InvariantCulture)));
        return present.Count < list.Count ? $"{text} ({present.Count} of {list.Count})" : text;
    }

    public static double Median(IReadOnlyList<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}
