using Care2Connect.AppHost.Supervision;
using System.Globalization;

namespace Care2Connect.Tests.Infrastructure;

/// <summary>A process as the kernel knows it: pid plus start time, so a reused pid is never mistaken for it.</summary>
public sealed record ProcessIdentity(int Pid, long StartTicks, string CommandLine)
{
    public bool IsRunning => ProcStat.Read(Pid) is { IsRunning: true } now && (long)now.StartTime == StartTicks;

    public override string ToString() => $"{Pid} ({CommandLine})";
}

/// <summary>Reads /proc to find a process and all its descendants.</summary>
public static class ProcessTree
{
    public static IReadOnlyList<ProcessIdentity> WithDescendants(IEnumerable<int> roots)
    {
        var byParent = Directory.EnumerateDirectories("/proc")
            .Select(dir => int.TryParse(Path.GetFileName(dir), out var pid) ? pid : 0)
            .Where(pid => pid > 0)
            .Select(pid => (pid, parent: ParentOf(pid)))
            .Where(p => p.parent > 0)
            .ToLookup(p => p.parent, p => p.pid);

        var found = new List<ProcessIdentity>();
        var pending = new Stack<int>(roots);
        var seen = new HashSet<int>();
        while (pending.TryPop(out var pid))
        {
            if (!seen.Add(pid) || TryRead(pid) is not { } identity)
            {
                continue;
            }

            found.Add(identity);
            foreach (var child in byParent[pid])
            {
                pending.Push(child);
            }
        }

        return found;
    }

    public static ProcessIdentity? TryRead(int pid)
    {
        try
        {
            return ProcStat.Read(pid) is { } stat
                ? new ProcessIdentity(pid, (long)stat.StartTime, File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim())
                : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Sends a signal (KILL, TERM, STOP, CONT, ...) to one process.</summary>
    public static void Signal(int pid, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("kill did not start");
        kill.WaitForExit();
    }

    /// <summary>
    /// The app process of the pid DCP reports: that process itself when it is the app (the AppHost runs its
    /// projects from their build output), else the app a <c>dotnet run</c> wrapper started.
    /// </summary>
    public static ProcessIdentity AppUnder(int wrapperPid, string assemblyName) =>
        WithDescendants([wrapperPid]).First(p => p.CommandLine.Contains(assemblyName, StringComparison.Ordinal)
            && !p.CommandLine.Contains("dotnet run", StringComparison.Ordinal));

    private static int ParentOf(int pid) => ProcStat.Read(pid)?.ParentPid ?? 0;
}
