using System.Text.RegularExpressions;
using Care2Connect.Monitor;
using Care2Connect.Monitor.Alerts;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Care2Connect.Tests.Unit.Alerts;

public sealed partial class MonitorLogFileTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "c2c-monitor-log-test-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 20, 23, 59, 58, TimeSpan.Zero));

    [Fact]
    public async Task Every_line_has_the_original_format_and_a_failing_streak_is_one_line()
    {
        var log = NewLog(_directory);
        var at = _time.GetUtcNow();

        for (var i = 0; i < 3; i++)
        {
            await log.OnObservationAsync(new Observation("api-liveness", at, false, null, "connection refused\nby 127.0.0.1"), default);
        }

        await log.OnTransitionAsync(new Transition("api-liveness", ComponentState.Up, ComponentState.Down, at, "3 probes failed", Fault.OriginDown), default);
        await log.OnRecoveryRequestAsync(new RecoveryRequestRecord(at, ["api"], "api-liveness down", 200, "failed", null, Guid.NewGuid(), "restart failed"), default);
        await log.OnRecoveryRequestAsync(new RecoveryRequestRecord(at, ["api", "tunnel"], "api-liveness down", 200, "succeeded", null, Guid.NewGuid(), null), default);
        await log.OnObservationAsync(new Observation("api-liveness", at, true, 12, null), default);
        await log.OnTransitionAsync(new Transition("api-liveness", ComponentState.Down, ComponentState.Up, at, "2 probes passed", Fault.None), default);
        await log.OnObservationAsync(new Observation("api-liveness", at, false, null, "timeout"), default);
        log.AlertRaised(new Alert(AlertKind.Down, "api-liveness", at, "api-liveness is DOWN since 23:59:58Z", Fault.OriginDown, ComponentState.Down, at));

        var lines = File.ReadAllLines(log.CurrentPath);
        Assert.All(lines, line => Assert.Matches(LinePattern(), line));
        Assert.Equal(
            [
                "[2026-11-20 23:59:58] [WARN] api-liveness: check failed: connection refused by 127.0.0.1",
                "[2026-11-20 23:59:58] [WARN] api-liveness: UP -> DOWN: 3 probes failed — likely fault: origin down (the API is not answering)",
                "[2026-11-20 23:59:58] [WARN] recovery requested for api (api-liveness down): failed (HTTP 200): restart failed",
                "[2026-11-20 23:59:58] [INFO] recovery requested for api, tunnel (api-liveness down): succeeded (HTTP 200)",
                "[2026-11-20 23:59:58] [INFO] api-liveness: DOWN -> UP: 2 probes passed",
                "[2026-11-20 23:59:58] [WARN] api-liveness: check failed: timeout",
                "[2026-11-20 23:59:58] [INFO] alert down: api-liveness is DOWN since 23:59:58Z",
            ],
            lines);
    }

    [Fact]
    public async Task The_file_rotates_at_midnight_utc_and_keeps_seven_days()
    {
        var log = NewLog(_directory);
        await log.OnTransitionAsync(new Transition("database", ComponentState.Up, ComponentState.Down, _time.GetUtcNow(), "", Fault.None), default);
        _time.Advance(TimeSpan.FromSeconds(2));
        await log.OnTransitionAsync(new Transition("database", ComponentState.Down, ComponentState.Up, _time.GetUtcNow(), "", Fault.None), default);

        Assert.Contains("UP -> DOWN", File.ReadAllText(Path.Combine(_directory, "system-monitor-20261120.log")), StringComparison.Ordinal);
        Assert.Equal(["[2026-11-21 00:00:00] [INFO] database: DOWN -> UP"], File.ReadAllLines(log.CurrentPath));

        for (var day = 0; day < 10; day++)
        {
            _time.Advance(TimeSpan.FromDays(1));
            log.AlertRaised(new Alert(AlertKind.Reminder, "database", _time.GetUtcNow(), $"day {day}", Fault.None, ComponentState.Down, null));
        }

        var rotated = Directory.GetFiles(_directory, "system-monitor-*.log").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(7, rotated.Count);
        Assert.Equal("system-monitor-20261124.log", rotated[0]);
        Assert.Equal("system-monitor-20261130.log", rotated[^1]);
        Assert.EndsWith("day 9", File.ReadAllLines(log.CurrentPath).Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_log_file_that_cannot_be_written_never_throws()
    {
        Directory.CreateDirectory(_directory);
        var blocker = Path.Combine(_directory, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "");
        var log = NewLog(Path.Combine(blocker, "logs"));

        await log.OnTransitionAsync(new Transition("database", ComponentState.Up, ComponentState.Down, _time.GetUtcNow(), "", Fault.None), default);
        await log.OnObservationAsync(new Observation("database", _time.GetUtcNow(), false, null, "refused"), default);
        log.AlertRaised(new Alert(AlertKind.Down, "database", _time.GetUtcNow(), "database is DOWN", Fault.None, ComponentState.Down, null));

        Assert.False(File.Exists(log.CurrentPath));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [GeneratedRegex(@"^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] \[(INFO|WARN|ERROR)\] .+$")]
    private static partial Regex LinePattern();

    private MonitorLogFile NewLog(string directory) =>
        new(Options.Create(new MonitorLogFileOptions { LogDirectory = directory }), _time, NullLogger<MonitorLogFile>.Instance);
}
