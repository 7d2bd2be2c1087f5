using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Care2Connect.Monitor;
using Care2Connect.Monitor.History;
using Care2Connect.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Care2Connect.Tests.Unit;

/// <summary>The Monitor's history against a real SQLite file in a temporary directory, on a clock the test drives.</summary>
public sealed class HistoryStoreTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 12, 30, 0, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "c2c-history-test-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly ConcurrentQueue<string> _logs = new();
    private readonly ILoggerFactory _loggers;
    private readonly List<HistoryStore> _stores = [];

    public HistoryStoreTests()
    {
        _loggers = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new CollectingLoggerProvider(_logs)));
    }

    private string DatabasePath => Path.Combine(_directory, "nested", "monitor.db");

    [Fact]
    public async Task Records_and_reads_back_transitions_recovery_requests_and_alerts()
    {
        var store = CreateStore();
        var attempt = Guid.NewGuid();
        await store.OnTransitionAsync(new Transition("api", ComponentState.Unknown, ComponentState.Up, Start, "first success", Fault.None), default);
        await store.OnTransitionAsync(new Transition("api", ComponentState.Up, ComponentState.Down, Start.AddMinutes(5), "3 failures", Fault.OriginDown), default);
        await store.OnRecoveryRequestAsync(new RecoveryRequestRecord(Start.AddMinutes(6), ["database", "jobs"], "api down", 200, "succeeded", TimeSpan.FromSeconds(90), attempt, "pool cleared"), default);
        await store.OnRecoveryRequestAsync(new RecoveryRequestRecord(Start.AddMinutes(7), ["database"], "api down", null, "error", null, null, null), default);
        await store.OnAlertAsync(new Alert(AlertKind.Flapping, "api", Start.AddMinutes(8), "recovery paused", Fault.OriginDown, ComponentState.Down, Start), default);

        Assert.Equal(5, await store.FlushAsync(default));

        var transitions = await store.RecentTransitionsAsync(20, default);
        Assert.Equal(
            [
                new Transition("api", ComponentState.Up, ComponentState.Down, Start.AddMinutes(5), "3 failures", Fault.OriginDown),
                new Transition("api", ComponentState.Unknown, ComponentState.Up, Start, "first success", Fault.None),
            ],
            transitions);

        var requests = await store.RecentRecoveryRequestsAsync(20, default);
        Assert.Equal(2, requests.Count);
        Assert.Equal("error", requests[0].Outcome);
        Assert.Null(requests[0].StatusCode);
        Assert.Null(requests[0].RetryAfter);
        Assert.Null(requests[0].AttemptId);
        var succeeded = requests[1];
        Assert.Equal(Start.AddMinutes(6), succeeded.At);
        Assert.Equal(["database", "jobs"], succeeded.Components);
        Assert.Equal(("api down", 200, "succeeded", TimeSpan.FromSeconds(90), attempt, "pool cleared"), (succeeded.Reason, succeeded.StatusCode, succeeded.Outcome, succeeded.RetryAfter, succeeded.AttemptId, succeeded.Summary));

        Assert.Equal([("flapping", "api", "recovery paused", "origin-down")], await ReadAlertsAsync());
    }

    [Fact]
    public async Task Uptime_is_successful_over_all_observations_within_each_window()
    {
        var store = CreateStore();
        await ObserveAsync(store, "api", Start.AddDays(-8), success: false); // outside both windows
        await ObserveAsync(store, "api", Start.AddDays(-3), success: false); // 7 days only
        await ObserveAsync(store, "api", Start.AddHours(-2), success: true);
        await ObserveAsync(store, "api", Start.AddHours(-1), success: true);
        await ObserveAsync(store, "api", Start.AddMinutes(-30), success: false);
        await ObserveAsync(store, "api", Start, success: true);
        await ObserveAsync(store, "tunnel", Start.AddMinutes(-1), success: true);
        await store.FlushAsync(default);

        var day = await store.UptimeAsync(TimeSpan.FromDays(1), default);
        var week = await store.UptimeAsync(TimeSpan.FromDays(7), default);

        Assert.Equal(0.75, day["api"]);
        Assert.Equal(0.6, week["api"], precision: 10);
        Assert.Equal(1.0, day["tunnel"]);
        Assert.False(day.ContainsKey("public-site"));
    }

    [Fact]
    public async Task Hourly_buckets_cover_the_last_24_whole_hours_with_uptime_and_mean_latency()
    {
        var store = CreateStore();
        await ObserveAsync(store, "api", Start.AddHours(-25), success: true, latency: 999); // before the first bucket
        await ObserveAsync(store, "api", Start.AddMinutes(-85), success: true, latency: 40); // 11:05
        await ObserveAsync(store, "api", Start.AddMinutes(-80), success: true, latency: 60); // 11:10
        await ObserveAsync(store, "api", Start.AddMinutes(-80), success: false, latency: 5000); // failures do not count for latency
        await ObserveAsync(store, "api", Start.AddMinutes(-10), success: true, latency: 100); // 12:20
        await ObserveAsync(store, "api", Start, success: false, latency: null); // 12:30
        await store.FlushAsync(default);

        var hours = (await store.HourlyAsync(default))["api"];

        Assert.Equal(24, hours.Count);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 13, 0, 0, TimeSpan.Zero), hours[0].Start);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero), hours[^1].Start);
        Assert.Equal(new HourBucket(Start.AddMinutes(-30), 2, 0.5, 100), hours[^1]);
        Assert.Equal(new HourBucket(Start.AddMinutes(-90), 3, 2.0 / 3, 50), hours[^2]);
        Assert.All(hours.Take(22), hour => Assert.Equal((0, (double?)null, (double?)null), (hour.Observations, hour.Uptime, hour.MeanLatencyMs)));
    }

    [Fact]
    public async Task Latest_latencies_are_the_last_successful_samples_oldest_first()
    {
        var store = CreateStore();
        for (var minute = 40; minute > 0; minute--)
        {
            await ObserveAsync(store, "api", Start.AddMinutes(-minute), success: true, latency: 100 - minute);
        }

        await ObserveAsync(store, "api", Start, success: false, latency: 5000);
        await store.FlushAsync(default);

        var samples = (await store.LatestLatenciesAsync(30, default))["api"];

        Assert.Equal(30, samples.Count);
        Assert.Equal(new LatencySample(Start.AddMinutes(-30), 70), samples[0]);
        Assert.Equal(new LatencySample(Start.AddMinutes(-1), 99), samples[^1]);
    }

    [Fact]
    public async Task Pruning_deletes_what_is_older_than_the_retention_but_keeps_each_components_latest_state()
    {
        var store = CreateStore();
        await ObserveAsync(store, "api", Start, success: true);
        await store.OnTransitionAsync(new Transition("api", ComponentState.Unknown, ComponentState.Up, Start, "first success", Fault.None), default);
        await store.OnTransitionAsync(new Transition("tunnel", ComponentState.Unknown, ComponentState.Up, Start, "first success", Fault.None), default);
        await store.OnRecoveryRequestAsync(new RecoveryRequestRecord(Start, ["database"], "api down", 200, "succeeded", null, null, null), default);
        await store.OnAlertAsync(new Alert(AlertKind.RecoveryFailed, "api", Start, "failed", Fault.OriginDown, ComponentState.Down, null), default);
        await store.FlushAsync(default);

        _time.Advance(TimeSpan.FromDays(31));
        var now = _time.GetUtcNow();
        await ObserveAsync(store, "api", now, success: false);
        await store.OnTransitionAsync(new Transition("api", ComponentState.Up, ComponentState.Down, now, "3 failures", Fault.OriginDown), default);
        await store.FlushAsync(default);

        Assert.Equal(4, await store.PruneAsync(default));

        Assert.Equal(0.0, (await store.UptimeAsync(TimeSpan.FromDays(365), default))["api"]);
        Assert.Equal(
            [
                new Transition("api", ComponentState.Up, ComponentState.Down, now, "3 failures", Fault.OriginDown),
                // Up for 31 days without a change: older than the retention, and still its current state.
                new Transition("tunnel", ComponentState.Unknown, ComponentState.Up, Start, "first success", Fault.None),
            ],
            await store.RecentTransitionsAsync(20, default));
        Assert.Empty(await store.RecentRecoveryRequestsAsync(20, default));
        Assert.Empty(await ReadAlertsAsync());
    }

    [Fact]
    public async Task The_pruner_runs_at_start_and_then_every_interval_of_the_clock()
    {
        var store = CreateStore();
        using var pruner = new HistoryPruner(store, Options(), _time, _loggers.CreateLogger<HistoryPruner>());
        await pruner.StartAsync(default);
        await Eventually.HoldsAsync(() => Task.FromResult(PrunedCount() == 1), "the pruner prunes at start", TimeSpan.FromSeconds(10));

        await ObserveAsync(store, "api", Start, success: true);
        await store.FlushAsync(default);
        _time.Advance(TimeSpan.FromDays(30) + TimeSpan.FromMinutes(1));
        await Eventually.HoldsAsync(() => Task.FromResult(PrunedCount() >= 2), "the pruner prunes again after its interval", TimeSpan.FromSeconds(10));

        Assert.Empty(await store.UptimeAsync(TimeSpan.FromDays(365), default));
        await pruner.StopAsync(default);

        int PrunedCount() => _logs.Count(line => line.Contains("[7003]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task States_survive_reopening_the_file()
    {
        var first = CreateStore();
        await first.OnTransitionAsync(new Transition("api", ComponentState.Unknown, ComponentState.Up, Start, "first success", Fault.None), default);
        await first.OnTransitionAsync(new Transition("api", ComponentState.Up, ComponentState.Down, Start.AddMinutes(3), "3 failures", Fault.OriginDown), default);
        await first.OnTransitionAsync(new Transition("tunnel", ComponentState.Unknown, ComponentState.Up, Start.AddMinutes(1), "first success", Fault.None), default);
        await first.FlushAsync(default);
        first.Dispose();
        _stores.Remove(first);

        var second = CreateStore();
        var states = await second.LoadLatestStatesAsync(default);

        Assert.Equal(2, states.Count);
        Assert.Equal((ComponentState.Down, Start.AddMinutes(3)), states["api"]);
        Assert.Equal((ComponentState.Up, Start.AddMinutes(1)), states["TUNNEL"]);
        Assert.Equal("wal", await ScalarAsync("PRAGMA journal_mode"));
    }

    [Fact]
    public async Task A_full_queue_drops_the_oldest_observations_but_never_a_transition()
    {
        var store = CreateStore(queueCapacity: 16);
        await store.OnTransitionAsync(new Transition("api", ComponentState.Unknown, ComponentState.Up, Start, "first success", Fault.None), default);
        for (var second = 0; second < 20; second++)
        {
            await ObserveAsync(store, "api", Start.AddSeconds(second), success: true, latency: second);
        }

        await store.OnTransitionAsync(new Transition("api", ComponentState.Up, ComponentState.Down, Start.AddSeconds(30), "3 failures", Fault.OriginDown), default);

        Assert.Equal(18, await store.FlushAsync(default));
        Assert.Equal(16L, await ScalarAsync("SELECT COUNT(*) FROM observations"));
        Assert.Equal(Start.AddSeconds(4).ToUnixTimeMilliseconds(), await ScalarAsync("SELECT MIN(at) FROM observations"));
        Assert.Equal(2, (await store.RecentTransitionsAsync(20, default)).Count);
        Assert.Equal(4, _logs.Count(line => line.Contains("[7001]", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_database_path_must_be_absolute_and_defaults_outside_the_repository()
    {
        Assert.True(Path.IsPathFullyQualified(new HistoryOptions().DatabasePath));
        Assert.EndsWith(Path.Combine("care2connect", "monitor", "monitor.db"), new HistoryOptions().DatabasePath, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromDays(30), new HistoryOptions().Retention);
        Assert.Equal(TimeSpan.FromHours(1), new HistoryOptions().PruneInterval);

        var relative = new HistoryOptions { DatabasePath = "data/monitor.db" };
        var errors = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(relative, new ValidationContext(relative), errors, validateAllProperties: true));
        Assert.Contains(errors, error => error.MemberNames.Contains(nameof(HistoryOptions.DatabasePath)));
    }

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        _loggers.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private IOptions<HistoryOptions> Options(int queueCapacity = 10_000) =>
        Microsoft.Extensions.Options.Options.Create(new HistoryOptions { DatabasePath = DatabasePath, QueueCapacity = queueCapacity, BatchSize = 7 });

    private HistoryStore CreateStore(int queueCapacity = 10_000)
    {
        var store = new HistoryStore(Options(queueCapacity), _time, _loggers.CreateLogger<HistoryStore>());
        _stores.Add(store);
        return store;
    }

    private static ValueTask ObserveAsync(HistoryStore store, string component, DateTimeOffset at, bool success, double? latency = 10) =>
        store.OnObservationAsync(new Observation(component, at, success, latency, success ? null : "timeout"), default);

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private async Task<List<(string Kind, string Component, string Message, string Fault)>> ReadAlertsAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT kind, component, message, fault FROM alerts ORDER BY at";
        await using var reader = await command.ExecuteReaderAsync();
        var alerts = new List<(string, string, string, string)>();
        while (await reader.ReadAsync())
        {
            alerts.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return alerts;
    }
}
