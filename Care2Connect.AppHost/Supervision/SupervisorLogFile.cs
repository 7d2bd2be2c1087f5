using Care2Connect.Logging;

namespace Care2Connect.AppHost.Supervision;

/// <summary>
/// <c>supervisor.log</c>: one line per event, <c>[yyyy-MM-dd HH:mm:ss] [LEVEL] message</c> in UTC (the original
/// system's format, which its operators grep). Rotated daily to <c>supervisor-yyyyMMdd.log</c>; 7 days kept. The
/// writer is <see cref="DailyLogFile"/>, shared with the Monitor's <c>system-monitor.log</c>.
/// </summary>
/// <param name="directory">The folder the log lives in.</param>
/// <param name="time">The clock.</param>
/// <param name="daysKept">Days of rotated files kept.</param>
public sealed class SupervisorLogFile(string directory, TimeProvider time, int daysKept = 7)
    : DailyLogFile(directory, "supervisor", time, daysKept);
