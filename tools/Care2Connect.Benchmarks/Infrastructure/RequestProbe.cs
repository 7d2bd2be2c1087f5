using System.Diagnostics;

namespace Care2Connect.Benchmarks.Infrastructure;

/// <summary>
/// A caller that sends one request every <c>interval</c> without waiting for the previous one (a hung server must
/// not stop the clock), each bounded by the client's timeout, and remembers when each was sent and how it ended.
/// </summary>
internal sealed class RequestProbe : IAsyncDisposable
{
    private static readonly TimeSpan HeldMargin = TimeSpan.FromMilliseconds(250);
    private readonly List<Sample> _samples = [];
    private readonly List<Task> _inFlight = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly HttpClient _client;
    private readonly string _path;
    private readonly Task _loop;

    public RequestProbe(HttpClient client, string path, TimeSpan interval)
    {
        _client = client;
        _path = path;
        _loop = LoopAsync(interval, _stopping.Token);
    }

    /// <summary>Waits until, among requests sent after <paramref name="since"/>, the last <paramref name="streak"/> sent have all succeeded.</summary>
    public async Task WaitForSuccessStreakAsync(long since, int streak, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!HasStreak(since, streak))
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"No {streak} successful requests in a row within {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>What callers saw from <paramref name="since"/> on (requests sent before it are ignored).</summary>
    public ProbeOutcome Outcome(long since)
    {
        List<Sample> samples;
        lock (_samples)
        {
            samples = [.. _samples.Where(s => s.Sent >= since && s.Completed is not null).OrderBy(s => s.Sent)];
        }

        var failures = samples.Where(s => !s.Succeeded).ToList();
        TimeSpan? firstFailure = failures.Count == 0 ? null : failures.Min(f => Stopwatch.GetElapsedTime(since, f.Completed!.Value));
        // Served again: the first success among requests sent after the last failed one was sent.
        var lastFailureSent = failures.Count == 0 ? since : failures.Max(f => f.Sent);
        TimeSpan? servedAgain = failures.Count == 0
            ? null
            : samples.Where(s => s.Succeeded && s.Sent > lastFailureSent).Select(s => (TimeSpan?)Stopwatch.GetElapsedTime(since, s.Completed!.Value)).Min();
        var slowest = samples.Count == 0 ? TimeSpan.Zero : samples.Max(s => Stopwatch.GetElapsedTime(s.Sent, s.Completed!.Value));
        // Held: a failure that lasted (nearly) the client's whole timeout, i.e. something accepted the request and
        // never answered it; every other failure was a refusal or an error answer.
        var held = failures.Count(f => Stopwatch.GetElapsedTime(f.Sent, f.Completed!.Value) >= _client.Timeout - HeldMargin);
        return new ProbeOutcome(samples.Count, failures.Count, held, firstFailure, servedAgain, slowest);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
        Task[] inFlight;
        lock (_samples)
        {
            inFlight = [.. _inFlight];
        }

        await Task.WhenAll(inFlight);
        _stopping.Dispose();
    }

    private bool HasStreak(long since, int streak)
    {
        lock (_samples)
        {
            var recent = _samples.Where(s => s.Sent >= since).TakeLast(streak).ToList();
            return recent.Count == streak && recent.All(s => s.Completed is not null && s.Succeeded);
        }
    }

    private async Task LoopAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                var sample = new Sample(Stopwatch.GetTimestamp());
                lock (_samples)
                {
                    _samples.Add(sample);
                    _inFlight.RemoveAll(t => t.IsCompleted);
                    _inFlight.Add(SendAsync(sample));
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException)
        {
            // Disposal.
        }
    }

    private async Task SendAsync(Sample sample)
    {
        bool succeeded;
        try
        {
            using var response = await _client.GetAsync(_path);
            succeeded = response.IsSuccessStatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            succeeded = false;
        }

        lock (_samples)
        {
            sample.Succeeded = succeeded;
            sample.Completed = Stopwatch.GetTimestamp();
        }
    }

    private sealed class Sample(long sent)
    {
        public long Sent { get; } = sent;

        public long? Completed { get; set; }

        public bool Succeeded { get; set; }
    }
}

/// <summary>What callers saw during a fault; times are from the fault.</summary>
/// <param name="Requests">Requests sent after the fault, completed.</param>
/// <param name="Failed">Of those, how many failed (status not 2xx, connection error, or the client's timeout).</param>
/// <param name="Held">Of the failures, how many lasted the client's whole timeout (accepted, never answered).</param>
/// <param name="FirstFailure">When the first failure came back; null if none failed.</param>
/// <param name="ServedAgain">When the first success sent after the last failure came back; null if none failed.</param>
/// <param name="Slowest">The longest any of those requests took.</param>
internal sealed record ProbeOutcome(int Requests, int Failed, int Held, TimeSpan? FirstFailure, TimeSpan? ServedAgain, TimeSpan Slowest);
