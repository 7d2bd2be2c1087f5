using System.Globalization;

namespace Care2Connect.AppHost.Supervision;

/// <summary>
/// <c>supervisor.log</c>: one line per event, <c>[yyyy-MM-dd HH:mm:ss] [LEVEL] message</c> in UTC (the original
/// system's format, which its operators grep). Rotated daily to <c>supervisor-yyyyMMdd.log</c>; 7 days kept.
/// </summary>
public sealed class SupervisorLogFile(string directory, TimeProvider time, int daysKept = 7)
{
    private const string Name = "supervisor";
    private readonly Lock _gate = new();
    private DateOnly? _currentDay;

    /// <summary>The folder the log lives in.</summary>
    public string Directory { get; } = directory;

    /// <summary>The current file.</summary>
    public string CurrentPath => Path.Combine(Directory, Name + ".log");

    /// <summary>Appends one line.</summary>
    public void Write(string level, string message)
    {
        var now = time.GetUtcNow();
        var line = string.Create(CultureInfo.InvariantCulture, $"[{now:yyyy-MM-dd HH:mm:ss}] [{level}] {message}{Environment.NewLine}");
        lock (_gate)
        {
            System.IO.Directory.CreateDirectory(Directory);
            RotateIfNewDay(now);
            File.AppendAllText(CurrentPath, line);
        }
    }

    private void RotateIfNewDay(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        _currentDay ??= File.Exists(CurrentPath) ? DateOnly.FromDateTime(File.GetLastWriteTimeUtc(CurrentPath)) : today;
        if (_currentDay == today)
        {
            return;
        }

        if (File.Exists(CurrentPath))
        {
            var rotated = Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"{Name}-{_currentDay:yyyyMMdd}.log"));
            File.Move(CurrentPath, rotated, overwrite: true);
        }

        _currentDay = today;
        foreach (var old in System.IO.Directory.EnumerateFiles(Directory, Name + "-*.log"))
        {
            var stamp = Path.GetFileNameWithoutExtension(old)[(Name.Length + 1)..];
            if (DateOnly.TryParseExact(stamp, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                && day < today.AddDays(-daysKept))
            {
                File.Delete(old);
            }
        }
    }
}
