using System.Globalization;

namespace Care2Connect.AppHost.Supervision;

/// <summary>
/// Notices that a supervised process is gone sooner than the orchestrator does. DCP, whose child the process is,
/// reports a killed process as no longer Running 0.6–0.7 s after the kill (docs/ASPIRE-FACTS.md); reading the
/// process's <c>/proc</c> entry every <see cref="RestartPolicy.ExitWatchInterval"/> sees it within that interval.
/// The process is not ours, so its exit code is unknown here: gone means gone, whatever the code.
/// </summary>
public static class ProcessExitWatch
{
    /// <summary>Whether this machine lets a process be watched this way (Linux's <c>/proc</c>).</summary>
    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && File.Exists("/proc/self/stat");

    /// <summary>
    /// Completes when process <paramref name="pid"/> has ended: its entry is gone, it is a zombie its parent has not
    /// reaped yet, or the pid now belongs to another process (a different start time). Checked at once, then every
    /// <paramref name="interval"/> on <paramref name="time"/>.
    /// </summary>
    public static async Task WaitForExitAsync(int pid, TimeSpan interval, TimeProvider time, CancellationToken cancellationToken)
    {
        if (ProcStat.Read(pid) is not { IsRunning: true } first)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            if (ProcStat.Read(pid) is not { IsRunning: true } now || now.StartTime != first.StartTime)
            {
                return;
            }
        }
    }
}

/// <summary>The fields of <c>/proc/&lt;pid&gt;/stat</c> that say whether a process still runs, which one it is, and whose child.</summary>
/// <param name="State">The state letter (R, S, D, T, Z, X, ...).</param>
/// <param name="ParentPid">Its parent's pid.</param>
/// <param name="StartTime">When it started, in clock ticks after boot: tells a reused pid from the process watched.</param>
public readonly record struct ProcStat(char State, int ParentPid, ulong StartTime)
{
    /// <summary>Not a zombie (exited, not yet reaped) and not dead.</summary>
    public bool IsRunning => State is not ('Z' or 'X' or 'x');

    /// <summary>The process's entry, or null when there is none (it has been reaped).</summary>
    public static ProcStat? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return Parse(text);
    }

    /// <summary>
    /// Parses one stat line: <c>pid (comm) state ppid ...</c>, the start time being its 22nd field. The command name
    /// may itself hold spaces and parentheses, so the fields are counted from the last <c>)</c>.
    /// </summary>
    public static ProcStat? Parse(string text)
    {
        var end = text.LastIndexOf(')');
        if (end < 0)
        {
            return null;
        }

        var fields = text[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const int startTimeField = 22 - 3; // fields 1 and 2 (pid, comm) end at the ')'; the state is field 3
        return fields.Length > startTimeField
            && fields[0].Length == 1
            && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
            && ulong.TryParse(fields[startTimeField], NumberStyles.None, CultureInfo.InvariantCulture, out var startTime)
            ? new ProcStat(fields[0][0], parent, startTime)
            : null;
    }
}
