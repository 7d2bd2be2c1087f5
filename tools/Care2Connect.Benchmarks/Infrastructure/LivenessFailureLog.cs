using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Care2Connect.Benchmarks.Infrastructure;

/// <summary>A liveness probe failure the supervisor counted (its event 8207), with when the harness saw it.</summary>
internal sealed record LivenessFailure(long Timestamp, string Resource, string Reason);

/// <summary>
/// Collects the supervisor's counted liveness probe failures (event 8207, below the threshold included) as they are
/// logged, so a scenario can say which fault each fell in: a failure while the database is down means the API was
/// slow to answer <c>/alive</c>, which the restart count alone shows only once it reaches the threshold.
/// </summary>
internal sealed class LivenessFailureLog : ILoggerProvider
{
    private const int LivenessProbeFailedEventId = 8207;
    private readonly ConcurrentQueue<LivenessFailure> _failures = new();

    public IReadOnlyCollection<LivenessFailure> Failures => _failures;

    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith("Care2Connect.AppHost.Supervision", StringComparison.Ordinal) ? new Collector(this) : NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Collector(LivenessFailureLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id != LivenessProbeFailedEventId || state is not IReadOnlyList<KeyValuePair<string, object?>> fields)
            {
                return;
            }

            string Field(string name) => fields.FirstOrDefault(f => f.Key == name).Value?.ToString() ?? string.Empty;
            log._failures.Enqueue(new(Stopwatch.GetTimestamp(), Field("Resource"), Field("Reason")));
        }
    }
}
