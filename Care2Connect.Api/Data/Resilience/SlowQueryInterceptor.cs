using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Data.Resilience;

internal sealed record SlowQuery(string CommandText, double DurationMs, DateTimeOffset At, bool Failed);

/// <summary>The slowest statements seen recently (bounded), for the status endpoints.</summary>
internal sealed class SlowQueryLog(IOptionsMonitor<DatabaseResilienceOptions> options)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<SlowQuery> _recent = new();

    public void Add(SlowQuery query)
    {
        lock (_gate)
        {
            _recent.AddFirst(query);
            while (_recent.Count > options.CurrentValue.SlowQueryCapacity)
            {
                _recent.RemoveLast();
            }
        }
    }

    /// <summary>The remembered slow statements, slowest first.</summary>
    public IReadOnlyList<SlowQuery> Slowest()
    {
        lock (_gate)
        {
            return [.. _recent.OrderByDescending(q => q.DurationMs)];
        }
    }
}

/// <summary>
/// Flags commands slower than <see cref="DatabaseResilienceOptions.SlowQueryThreshold"/>: a warning with the SQL
/// text (EF sends values as parameters, and parameter values are never included, so nothing personal is logged),
/// a metric, and tags on the current span.
/// </summary>
internal sealed class SlowQueryInterceptor(
    IOptionsMonitor<DatabaseResilienceOptions> options,
    SlowQueryLog slowQueries,
    DatabaseMetrics metrics,
    TimeProvider time,
    ILogger<SlowQueryInterceptor> logger) : DbCommandInterceptor
{
    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        Observe(command, eventData.Duration, failed: false);
        return result;
    }

    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
    {
        Observe(command, eventData.Duration, failed: false);
        return ValueTask.FromResult(result);
    }

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        Observe(command, eventData.Duration, failed: false);
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Observe(command, eventData.Duration, failed: false);
        return ValueTask.FromResult(result);
    }

    public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
    {
        Observe(command, eventData.Duration, failed: false);
        return result;
    }

    public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result, CancellationToken cancellationToken = default)
    {
        Observe(command, eventData.Duration, failed: false);
        return ValueTask.FromResult(result);
    }

    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) =>
        Observe(command, eventData.Duration, failed: true);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Observe(command, eventData.Duration, failed: true);
        return Task.CompletedTask;
    }

    private void Observe(DbCommand command, TimeSpan duration, bool failed)
    {
        if (duration < options.CurrentValue.SlowQueryThreshold)
        {
            return;
        }

        var milliseconds = Math.Round(duration.TotalMilliseconds, 1);
        metrics.SlowQuery();
        slowQueries.Add(new SlowQuery(command.CommandText, milliseconds, time.GetUtcNow(), failed));
        Activity.Current?.SetTag("care2connect.db.slow_query", true);
        Activity.Current?.SetTag("care2connect.db.slow_query.duration_ms", milliseconds);
        Log.SlowQuery(logger, milliseconds, command.CommandText);
    }
}
