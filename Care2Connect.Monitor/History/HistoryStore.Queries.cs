using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Care2Connect.Monitor.History;

/// <summary>One hour of one component: how much of it was up and how fast it answered.</summary>
/// <param name="Uptime">Successful observations / all observations; null when nothing was observed.</param>
/// <param name="MeanLatencyMs">Mean latency of the successful observations; null when there were none.</param>
internal sealed record HourBucket(DateTimeOffset Start, int Observations, double? Uptime, double? MeanLatencyMs);

internal sealed record LatencySample(DateTimeOffset At, double LatencyMs);

/// <summary>The reads behind the status endpoints and the engine's restart. Only written rows are seen, not the queue.</summary>
internal sealed partial class HistoryStore
{
    public const int HoursPerDay = 24;

    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>Per component, successful observations / all observations over the last <paramref name="window"/>.</summary>
    public async Task<IReadOnlyDictionary<string, double>> UptimeAsync(TimeSpan window, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT component, SUM(success), COUNT(*) FROM observations WHERE at >= $from GROUP BY component";
        command.Parameters.AddWithValue("$from", (_time.GetUtcNow() - window).ToUnixTimeMilliseconds());
        var uptime = new Dictionary<string, double>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            uptime[reader.GetString(0)] = (double)reader.GetInt64(1) / reader.GetInt64(2);
        }

        return uptime;
    }

    /// <summary>
    /// Per component, the last 24 whole hours ending with the current one (oldest first, always 24 buckets), for
    /// the status page's uptime bars and response-time sparklines.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<HourBucket>>> HourlyAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var first = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero) - (Hour * (HoursPerDay - 1));
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT component, (at - $first) / $hour AS bucket, COUNT(*), SUM(success), AVG(CASE WHEN success THEN latency_ms END)
            FROM observations
            WHERE at >= $first
            GROUP BY component, bucket
            """;
        command.Parameters.AddWithValue("$first", first.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$hour", (long)Hour.TotalMilliseconds);
        var buckets = new Dictionary<string, HourBucket[]>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var index = reader.GetInt64(1);
                if (index >= HoursPerDay)
                {
                    continue; // stamped in the future (a clock step): not part of the last 24 hours
                }

                var component = reader.GetString(0);
                if (!buckets.TryGetValue(component, out var hours))
                {
                    hours = EmptyDay(first);
                    buckets[component] = hours;
                }

                var count = reader.GetInt32(2);
                hours[index] = new HourBucket(
                    first + (Hour * index),
                    count,
                    (double)reader.GetInt64(3) / count,
                    reader.IsDBNull(4) ? null : reader.GetDouble(4));
            }
        }

        return buckets.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<HourBucket>)pair.Value, StringComparer.Ordinal);
    }

    /// <summary>Per component, the latencies of its last <paramref name="count"/> successful observations of the last 24 hours, oldest first.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<LatencySample>>> LatestLatenciesAsync(int count, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT component, at, latency_ms FROM (
                SELECT component, at, latency_ms, ROW_NUMBER() OVER (PARTITION BY component ORDER BY at DESC, id DESC) AS newest
                FROM observations
                WHERE at >= $from AND success AND latency_ms IS NOT NULL)
            WHERE newest <= $count
            ORDER BY component, at, newest DESC
            """;
        command.Parameters.AddWithValue("$from", (_time.GetUtcNow() - (Hour * HoursPerDay)).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$count", count);
        var samples = new Dictionary<string, List<LatencySample>>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var component = reader.GetString(0);
                if (!samples.TryGetValue(component, out var list))
                {
                    list = [];
                    samples[component] = list;
                }

                list.Add(new LatencySample(At(reader, 1), reader.GetDouble(2)));
            }
        }

        return samples.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<LatencySample>)pair.Value, StringComparer.Ordinal);
    }

    /// <summary>The last <paramref name="count"/> transitions of every component, newest first.</summary>
    public async Task<IReadOnlyList<Transition>> RecentTransitionsAsync(int count, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT component, from_state, to_state, at, reason, fault FROM transitions ORDER BY at DESC, id DESC LIMIT $count";
        command.Parameters.AddWithValue("$count", count);
        var transitions = new List<Transition>(count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            transitions.Add(ReadTransition(reader));
        }

        return transitions;
    }

    /// <summary>The last <paramref name="count"/> recovery requests, newest first.</summary>
    public async Task<IReadOnlyList<RecoveryRequestRecord>> RecentRecoveryRequestsAsync(int count, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT at, components, reason, status_code, outcome, retry_after_seconds, attempt_id, summary
            FROM recovery_requests ORDER BY at DESC, id DESC LIMIT $count
            """;
        command.Parameters.AddWithValue("$count", count);
        var requests = new List<RecoveryRequestRecord>(count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            requests.Add(new RecoveryRequestRecord(
                At(reader, 0),
                JsonSerializer.Deserialize(reader.GetString(1), HistoryJson.Default.StringArray) ?? [],
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetInt32(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : TimeSpan.FromSeconds(reader.GetDouble(5)),
                reader.IsDBNull(6) ? null : Guid.Parse(reader.GetString(6)),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return requests;
    }

    /// <summary>
    /// Each component's state as its last transition left it, and since when: the checks engine starts from these
    /// after a restart instead of from unknown.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, (ComponentState State, DateTimeOffset Since)>> LoadLatestStatesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // SQLite takes the bare column to_state from the row holding MAX(at).
        command.CommandText = "SELECT component, to_state, MAX(at) FROM transitions GROUP BY component";
        var states = new Dictionary<string, (ComponentState, DateTimeOffset)>(StringComparer.OrdinalIgnoreCase);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            states[reader.GetString(0)] = (Words.Parse<ComponentState>(reader.GetString(1)), At(reader, 2));
        }

        return states;
    }

    private static HourBucket[] EmptyDay(DateTimeOffset first) =>
        [.. Enumerable.Range(0, HoursPerDay).Select(hour => new HourBucket(first + (Hour * hour), 0, null, null))];

    private static Transition ReadTransition(SqliteDataReader reader) => new(
        reader.GetString(0),
        Words.Parse<ComponentState>(reader.GetString(1)),
        Words.Parse<ComponentState>(reader.GetString(2)),
        At(reader, 3),
        reader.GetString(4),
        Words.Parse<Fault>(reader.GetString(5)));

    private static DateTimeOffset At(SqliteDataReader reader, int ordinal) => DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
}
