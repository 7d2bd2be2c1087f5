using Care2Connect.AppHost.Supervision;
using Microsoft.Extensions.Time.Testing;

namespace Care2Connect.Tests.Unit;

public sealed class SupervisorLogFileTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "c2c-log-test-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 20, 23, 59, 58, TimeSpan.Zero));

    [Fact]
    public void Lines_use_the_original_format_in_utc()
    {
        var log = new SupervisorLogFile(_directory, _time);

        log.Write("WARN", "api: exited with code 137; restarting");

        Assert.Equal("[2026-11-20 23:59:58] [WARN] api: exited with code 137; restarting" + Environment.NewLine, File.ReadAllText(log.CurrentPath));
    }

    [Fact]
    public void The_file_rotates_daily_and_keeps_seven_days()
    {
        var log = new SupervisorLogFile(_directory, _time);
        for (var day = 0; day < 10; day++)
        {
            log.Write("INFO", $"day {day}");
            _time.Advance(TimeSpan.FromDays(1));
        }

        log.Write("INFO", "today");

        var rotated = Directory.GetFiles(_directory, "supervisor-*.log").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(7, rotated.Count);
        Assert.Equal("supervisor-20261123.log", rotated[0]);
        Assert.Equal("supervisor-20261129.log", rotated[^1]);
        Assert.Contains("day 9", File.ReadAllText(Path.Combine(_directory, "supervisor-20261129.log")), StringComparison.Ordinal);
        Assert.EndsWith("today" + Environment.NewLine, File.ReadAllText(log.CurrentPath), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
