using System.Diagnostics;
using Care2Connect.Api.Data;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.SpeechIntelligence;

internal sealed record SpeechJobStatus(
    string Name,
    TimeSpan Interval,
    DateTimeOffset? LastRun,
    DateTimeOffset? LastSuccess,
    bool? LastRunSucceeded,
    double? LastDurationMs,
    string? LastSummary,
    string? LastError,
    long Runs,
    long Failures);

internal sealed record SpeechJobError(DateTimeOffset At, string Job, string Message);

internal sealed record SpeechIntelligenceStatus(
    bool Running,
    DateTimeOffset? StartedAt,
    int Generation,
    IReadOnlyList<SpeechJobStatus> Jobs,
    IReadOnlyList<SpeechJobError> RecentErrors);

/// <summary>
/// The API's background scheduler for the speech pipeline's periodic jobs. Each job runs once the migrations are
/// applied, then on its interval, each run bounded by <see cref="SpeechIntelligenceOptions.JobTimeout"/>. It can be
/// restarted in place (the recovery action of the <c>speech-intelligence</c> component): the loops stop, a new
/// generation starts, and every job runs again at once.
/// </summary>
internal sealed class SpeechIntelligenceHost(
    IEnumerable<ISpeechJob> jobs,
    MigrationState migrations,
    IOptionsMonitor<SpeechIntelligenceOptions> options,
    TimeProvider time,
    ILogger<SpeechIntelligenceHost> logger) : IHostedService, IDisposable
{
    public const int RecentErrorCapacity = 5;
    public static readonly ActivitySource ActivitySource = new("Care2Connect.SpeechIntelligence");

    private readonly ISpeechJob[] _jobs = [.. jobs];
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, JobState> _states = [];
    private readonly Queue<SpeechJobError> _errors = new();
    private CancellationTokenSource? _stopping;
    private Task[] _loops = [];
    private Task _firstRound = Task.CompletedTask;
    private DateTimeOffset? _startedAt;
    private int _generation;

    public SpeechIntelligenceStatus Status
    {
        get
        {
            var settings = options.CurrentValue;
            lock (_gate)
            {
                return new(
                    _stopping is not null,
                    _startedAt,
                    _generation,
                    [.. _jobs.Select(job => _states.TryGetValue(job.Name, out var s)
                        ? new SpeechJobStatus(job.Name, job.Interval(settings), s.LastRun, s.LastSuccess, s.LastRunSucceeded, s.LastDurationMs, s.LastSummary, s.LastError, s.Runs, s.Failures)
                        : new SpeechJobStatus(job.Name, job.Interval(settings), null, null, null, null, null, null, 0, 0))],
                    [.. _errors.Reverse()]);
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            Start();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            await StopLoopsAsync(cancellationToken);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops every loop, starts a new generation and waits for the first round of runs to finish.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        Task firstRound;
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            await StopLoopsAsync(cancellationToken);
            Start();
            firstRound = _firstRound;
        }
        finally
        {
            _lifecycle.Release();
        }

        Log.SpeechHostRestarted(logger, _generation);
        await firstRound.WaitAsync(options.CurrentValue.RestartTimeout, time, cancellationToken);
    }

    // The semaphore is left to the finalizer-free GC (it never allocated a wait handle): StopAsync may still be called
    // by a host that is shutting down after the container was disposed.
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping?.Cancel();
        }
    }

    private void Start()
    {
        var stopping = new CancellationTokenSource();
        var firstRuns = new List<Task>();
        var loops = new List<Task>();
        foreach (var job in _jobs)
        {
            var firstRun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            firstRuns.Add(firstRun.Task);
            loops.Add(Task.Run(() => LoopAsync(job, firstRun, stopping.Token), CancellationToken.None));
        }

        lock (_gate)
        {
            _stopping = stopping;
            _startedAt = time.GetUtcNow();
            _generation++;
        }

        _loops = [.. loops];
        _firstRound = Task.WhenAll(firstRuns);
    }

    private async Task StopLoopsAsync(CancellationToken cancellationToken)
    {
        CancellationTokenSource? stopping;
        lock (_gate)
        {
            stopping = _stopping;
            _stopping = null;
        }

        if (stopping is null)
        {
            return;
        }

        await stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(cancellationToken);
        }
        finally
        {
            stopping.Dispose();
        }
    }

    private async Task LoopAsync(ISpeechJob job, TaskCompletionSource firstRun, CancellationToken stopping)
    {
        try
        {
            await migrations.WhenApplied.WaitAsync(stopping);
            using var timer = new PeriodicTimer(job.Interval(options.CurrentValue), time);
            do
            {
                await RunOnceAsync(job, stopping);
                firstRun.TrySetResult();
            }
            while (await timer.WaitForNextTickAsync(stopping));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            firstRun.TrySetCanceled(stopping);
        }
    }

    private async Task RunOnceAsync(ISpeechJob job, CancellationToken stopping)
    {
        var settings = options.CurrentValue;
        using var activity = ActivitySource.StartActivity($"speech.job {job.Name}");
        activity?.SetTag("care2connect.job.name", job.Name);
        using var timeout = new CancellationTokenSource(settings.JobTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, timeout.Token);
        var started = time.GetTimestamp();
        var at = time.GetUtcNow();
        string? summary = null;
        string? error = null;
        try
        {
            summary = await job.RunAsync(linked.Token);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            error = $"timed out after {settings.JobTimeout.TotalSeconds:0.###} s";
        }
        catch (Exception exception)
        {
            error = Summarize(exception);
        }

        var duration = time.GetElapsedTime(started).TotalMilliseconds;
        lock (_gate)
        {
            if (!_states.TryGetValue(job.Name, out var state))
            {
                _states[job.Name] = state = new JobState();
            }

            state.LastRun = at;
            state.LastDurationMs = Math.Round(duration, 1);
            state.Runs++;
            state.LastRunSucceeded = error is null;
            if (error is null)
            {
                state.LastSuccess = at;
                state.LastSummary = summary;
                state.LastError = null;
            }
            else
            {
                state.Failures++;
                state.LastError = error;
                _errors.Enqueue(new SpeechJobError(at, job.Name, error));
                while (_errors.Count > RecentErrorCapacity)
                {
                    _errors.Dequeue();
                }
            }
        }

        if (error is null)
        {
            Log.SpeechJobSucceeded(logger, job.Name, duration, summary!);
        }
        else
        {
            activity?.SetStatus(ActivityStatusCode.Error, error);
            Log.SpeechJobFailed(logger, job.Name, error);
        }
    }

    // Type and message only: never a stack trace or an inner exception's data in the health API.
    private static string Summarize(Exception exception)
    {
        var message = exception.GetBaseException().Message;
        var text = $"{exception.GetType().Name}: {message}";
        return text.Length <= 300 ? text : text[..300];
    }

    private sealed class JobState
    {
        public DateTimeOffset? LastRun { get; set; }

        public DateTimeOffset? LastSuccess { get; set; }

        public bool? LastRunSucceeded { get; set; }

        public double? LastDurationMs { get; set; }

        public string? LastSummary { get; set; }

        public string? LastError { get; set; }

        public long Runs { get; set; }

        public long Failures { get; set; }
    }
}
