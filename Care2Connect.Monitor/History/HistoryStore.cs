using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Care2Connect.Monitor.Checks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Care2Connect.Monitor.History;

/// <summary>
/// The Monitor's memory: every observation, transition, recovery request and alert, in an SQLite file of its own
/// (it must keep working while the Postgres it watches is down). As a sink it only queues; <see cref="HistoryWriter"/>
/// writes the queue in small transactions, so a slow disk never delays a check. Observations wait in a bounded
/// queue that drops its oldest entry when full; transitions, recovery requests and alerts are rare (one per
/// change) and are never dropped.
/// </summary>
internal sealed partial class HistoryStore : IMonitorSink, IStateHistory, IDisposable
{
    private const int SchemaVersion = 1;

    private readonly HistoryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<HistoryStore> _logger;
    private readonly string _connectionString;
    private readonly Channel<Observation> _observations;
    private readonly Channel<object> _events;

    // A doorbell for the writer: one pending ring is enough, whichever queue the new entry went to.
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private bool _schemaReady;

    public HistoryStore(IOptions<HistoryOptions> options, TimeProvider time, ILogger<HistoryStore> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _options.DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();
        _observations = Channel.CreateBounded<Observation>(
            new BoundedChannelOptions(_options.QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            dropped => Log.HistoryObservationDropped(_logger, dropped.Component, dropped.At, _options.QueueCapacity));
        _events = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    }

    public ValueTask OnObservationAsync(Observation observation, CancellationToken cancellationToken) =>
        Enqueue(_observations, observation);

    public ValueTask OnTransitionAsync(Transition transition, CancellationToken cancellationToken) =>
        Enqueue(_events, transition);

    public ValueTask OnRecoveryRequestAsync(RecoveryRequestRecord request, CancellationToken cancellationToken) =>
        Enqueue(_events, request);

    public ValueTask OnAlertAsync(Alert alert, CancellationToken cancellationToken) =>
        Enqueue(_events, alert);

    /// <summary>Waits until something is queued; false once <paramref name="cancellationToken"/> fires.</summary>
    internal async Task<bool> WaitForQueuedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _doorbell.Reader.ReadAsync(cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Writes everything queued so far, in batches of <see cref="HistoryOptions.BatchSize"/>; returns the rows written.</summary>
    internal async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var written = 0;
            var batch = new List<object>(_options.BatchSize);
            while (true)
            {
                batch.Clear();
                // Rare events first: under pressure they are what matters.
                while (batch.Count < _options.BatchSize && _events.Reader.TryRead(out var entry))
                {
                    batch.Add(entry);
                }

                while (batch.Count < _options.BatchSize && _observations.Reader.TryRead(out var observation))
                {
                    batch.Add(observation);
                }

                if (batch.Count == 0)
                {
                    return written;
                }

                try
                {
                    await WriteBatchAsync(batch, cancellationToken);
                    written += batch.Count;
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // The disk is full or the file is broken: lose this batch rather than grow without bound, and
                    // never stop the writer (a Monitor without history still checks and alerts).
                    Log.HistoryWriteFailed(_logger, batch.Count, exception);
                }
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Deletes rows older than the retention, keeping each component's latest transition; returns the rows deleted.</summary>
    internal async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = _time.GetUtcNow() - _options.Retention;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
        var deleted = 0;
        foreach (var sql in (string[])[
            "DELETE FROM observations WHERE at < $cutoff",
            // A component that has been UP for longer than the retention still needs its state after a restart.
            // SQLite takes the bare column id from the row holding MAX(at).
            "DELETE FROM transitions WHERE at < $cutoff AND id NOT IN (SELECT id FROM (SELECT id, MAX(at) FROM transitions GROUP BY component))",
            "DELETE FROM recovery_requests WHERE at < $cutoff",
            "DELETE FROM alerts WHERE at < $cutoff",
        ])
        {
            command.CommandText = sql;
            deleted += await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        Log.HistoryPruned(_logger, deleted, cutoff);
        return deleted;
    }

    public void Dispose()
    {
        // Pooled connections keep the file open; let it go with the store (tests delete their directories).
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        _writeGate.Dispose();
        _schemaGate.Dispose();
    }

    private ValueTask Enqueue<T>(Channel<T> queue, T entry)
    {
        // Never waits: the observation queue drops its oldest entry when full, the event queue is unbounded.
        queue.Writer.TryWrite(entry);
        _doorbell.Writer.TryWrite(true);
        return ValueTask.CompletedTask;
    }

    private async Task WriteBatchAsync(List<object> batch, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        foreach (var entry in batch)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            Bind(command, entry);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static void Bind(SqliteCommand command, object entry)
    {
        var parameters = command.Parameters;
        switch (entry)
        {
            case Observation observation:
                command.CommandText = "INSERT INTO observations (component, at, success, latency_ms, error) VALUES ($component, $at, $success, $latency, $error)";
                parameters.AddWithValue("$component", observation.Component);
                parameters.AddWithValue("$at", observation.At.ToUnixTimeMilliseconds());
                parameters.AddWithValue("$success", observation.Success);
                parameters.AddWithValue("$latency", (object?)observation.LatencyMs ?? DBNull.Value);
                parameters.AddWithValue("$error", (object?)observation.Error ?? DBNull.Value);
                break;
            case Transition transition:
                command.CommandText = "INSERT INTO transitions (component, from_state, to_state, at, reason, fault) VALUES ($component, $from, $to, $at, $reason, $fault)";
                parameters.AddWithValue("$component", transition.Component);
                parameters.AddWithValue("$from", Words.Of(transition.From));
                parameters.AddWithValue("$to", Words.Of(transition.To));
                parameters.AddWithValue("$at", transition.At.ToUnixTimeMilliseconds());
                parameters.AddWithValue("$reason", transition.Reason);
                parameters.AddWithValue("$fault", Words.Of(transition.Fault));
                break;
            case RecoveryRequestRecord request:
                command.CommandText = """
                    INSERT INTO recovery_requests (at, components, reason, status_code, outcome, retry_after_seconds, attempt_id, summary)
                    VALUES ($at, $components, $reason, $status, $outcome, $retryAfter, $attempt, $summary)
                    """;
                parameters.AddWithValue("$at", request.At.ToUnixTimeMilliseconds());
                parameters.AddWithValue("$components", JsonSerializer.Serialize(request.Components, HistoryJson.Default.IReadOnlyListString));
                parameters.AddWithValue("$reason", request.Reason);
                parameters.AddWithValue("$status", (object?)request.StatusCode ?? DBNull.Value);
                parameters.AddWithValue("$outcome", request.Outcome);
                parameters.AddWithValue("$retryAfter", (object?)request.RetryAfter?.TotalSeconds ?? DBNull.Value);
                parameters.AddWithValue("$attempt", (object?)request.AttemptId?.ToString() ?? DBNull.Value);
                parameters.AddWithValue("$summary", (object?)request.Summary ?? DBNull.Value);
                break;
            case Alert alert:
                command.CommandText = "INSERT INTO alerts (at, kind, component, message, fault) VALUES ($at, $kind, $component, $message, $fault)";
                parameters.AddWithValue("$at", alert.At.ToUnixTimeMilliseconds());
                parameters.AddWithValue("$kind", Words.Of(alert.Kind));
                parameters.AddWithValue("$component", alert.Component);
                parameters.AddWithValue("$message", alert.Message);
                parameters.AddWithValue("$fault", Words.Of(alert.Fault));
                break;
            default:
                throw new UnreachableException($"Unexpected history entry {entry.GetType().Name}");
        }
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_schemaReady)
        {
            await EnsureSchemaAsync(cancellationToken);
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragma = connection.CreateCommand();
            // With WAL, NORMAL loses at most the last transactions on power loss, never the file.
            pragma.CommandText = "PRAGMA synchronous = NORMAL";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await _schemaGate.WaitAsync(cancellationToken);
        try
        {
            if (_schemaReady)
            {
                return;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(_options.DatabasePath)!);
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            // WAL: the status page reads while the writer writes. The mode is stored in the file.
            command.CommandText = "PRAGMA journal_mode = WAL";
            await command.ExecuteNonQueryAsync(cancellationToken);
            command.CommandText = $"""
                CREATE TABLE IF NOT EXISTS observations (
                    id INTEGER PRIMARY KEY,
                    component TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    success INTEGER NOT NULL,
                    latency_ms REAL,
                    error TEXT);
                CREATE INDEX IF NOT EXISTS ix_observations_component_at ON observations (component, at);
                CREATE TABLE IF NOT EXISTS transitions (
                    id INTEGER PRIMARY KEY,
                    component TEXT NOT NULL,
                    from_state TEXT NOT NULL,
                    to_state TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    reason TEXT NOT NULL,
                    fault TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS ix_transitions_component_at ON transitions (component, at);
                CREATE TABLE IF NOT EXISTS recovery_requests (
                    id INTEGER PRIMARY KEY,
                    at INTEGER NOT NULL,
                    components TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    status_code INTEGER,
                    outcome TEXT NOT NULL,
                    retry_after_seconds REAL,
                    attempt_id TEXT,
                    summary TEXT);
                CREATE INDEX IF NOT EXISTS ix_recovery_requests_at ON recovery_requests (at);
                CREATE TABLE IF NOT EXISTS alerts (
                    id INTEGER PRIMARY KEY,
                    at INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    component TEXT NOT NULL,
                    message TEXT NOT NULL,
                    fault TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS ix_alerts_component_at ON alerts (component, at);
                PRAGMA user_version = {SchemaVersion};
                """;
            await command.ExecuteNonQueryAsync(cancellationToken);
            _schemaReady = true;
            Log.HistoryOpened(_logger, _options.DatabasePath);
        }
        finally
        {
            _schemaGate.Release();
        }
    }
}
