using System.Globalization;

namespace Care2Connect.Logging;

/// <summary>
/// <c>{name}.log</c>: one line per event, <c>[yyyy-MM-dd HH:mm:ss] [LEVEL] message</c> in UTC (the original
/// system's format, which its operators grep). Rotated daily to <c>{name}-yyyyMMdd.log</c>; <c>daysKept</c> days
/// kept. Not sealed: a named log (the AppHost's <c>supervisor.log</c>) is a one-line subclass.
/// </summary>
/// <param name="directory">The folder the log lives in (created on first write).</param>
/// <param name="name">The file name without <c>.log</c>.</param>
/// <param name="time">The clock that stamps lines and decides the day.</param>
/// <param name="daysKept">Rotated files older than this many days are deleted.</param>
public class DailyLogFile(string directory, string name, TimeProvider time, int daysKept = 7)
{
    private readonly Lock _gate = new();
    private DateOnly? _currentDay;

    /// <summary>The folder the log lives in.</summary>
    public string Directory { get; } = directory;

    /// <summary>The file name without <c>.log</c>.</summary>
    public string Name { get; } = name;

    /// <summary>The current file.</summary>
    public string CurrentPath => Path.Combine(Directory, Name + ".log");

    /// <summary>Appends one line. Throws what the file system throws: callers decide whether that matters.</summary>
    /// <param name="level">The level word: <c>INFO</c>, <c>WARN</c>, <c>ERROR</c>.</param>
    /// <param name="message">The message, on one line.</param>
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
