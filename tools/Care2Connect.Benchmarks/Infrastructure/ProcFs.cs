using System.Diagnostics;
using System.Globalization;

namespace Care2Connect.Benchmarks.Infrastructure;

/// <summary>What the harness reads from <c>/proc</c> and the signals it sends: Linux only, like the system it measures.</summary>
internal static class ProcFs
{
    private static readonly Lazy<int> ClockTicks = new(ReadClockTicks);

    /// <summary>Kernel clock ticks per second, the unit of <c>utime</c> and <c>stime</c>.</summary>
    public static int ClockTicksPerSecond => ClockTicks.Value;

    /// <summary>
    /// The app process of a resource's pid: the process itself when it is the app (the AppHost runs its projects
    /// from their build output), else its descendant (a project run by Aspire through a <c>dotnet run --no-build</c>
    /// wrapper, which is what DCP reports).
    /// </summary>
    public static int AppUnder(int wrapperPid, string assemblyName) =>
        Descendants(wrapperPid).Prepend(wrapperPid).FirstOrDefault(pid => CommandLine(pid) is { } line
            && line.Contains(assemblyName, StringComparison.Ordinal)
            && !line.Contains("dotnet run", StringComparison.Ordinal)) is var pid and > 0
            ? pid
            : throw new InvalidOperationException($"No {assemblyName} process under pid {wrapperPid}.");

    /// <summary>Sends a signal (KILL, STOP, CONT, ...) to one process, as <c>kill -SIGNAL pid</c> would.</summary>
    public static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException("kill did not start");
        kill.WaitForExit();
    }

    /// <summary>User plus system CPU time of a process so far, in clock ticks (<c>/proc/pid/stat</c> fields 14 and 15).</summary>
    public static long CpuTicks(int pid)
    {
        var fields = StatFields(pid) ?? throw new InvalidOperationException($"Process {pid} is gone.");
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The garbage collector a .NET process runs, read from its thread names (<c>/proc/pid/task/*/comm</c>): server GC
    /// has one ".NET Server GC" thread per heap; a ".NET BGC" thread exists once a background GC has run.
    /// </summary>
    public static string GarbageCollector(int pid)
    {
        var names = Directory.EnumerateDirectories($"/proc/{pid}/task")
            .Select(task => { try { return File.ReadAllText(Path.Combine(task, "comm")).Trim(); } catch (IOException) { return string.Empty; } })
            .ToList();
        var server = names.Count(n => n.StartsWith(".NET Server GC", StringComparison.Ordinal));
        var background = names.Any(n => n.StartsWith(".NET BGC", StringComparison.Ordinal));
        return (server > 0 ? $"server GC ×{server}" : "workstation GC") + (background ? ", BGC thread" : string.Empty);
    }

    /// <summary>Resident set size in KiB (<c>VmRSS</c> in <c>/proc/pid/status</c>).</summary>
    public static long ResidentKiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private static IEnumerable<int> Descendants(int root)
    {
        var children = Directory.EnumerateDirectories("/proc")
            .Select(dir => int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0)
            .Select(pid => (Pid: pid, Parent: StatFields(pid) is { } fields ? int.Parse(fields[1], CultureInfo.InvariantCulture) : 0))
            .ToLookup(p => p.Parent, p => p.Pid);
        var pending = new Queue<int>(children[root]);
        while (pending.TryDequeue(out var pid))
        {
            yield return pid;
            foreach (var child in children[pid])
            {
                pending.Enqueue(child);
            }
        }
    }

    // The fields after the parenthesised command name: index 0 is the state (field 3 of proc(5)).
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static int ReadClockTicks()
    {
        using var getconf = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("getconf did not start");
        var output = getconf.StandardOutput.ReadToEnd();
        getconf.WaitForExit();
        return int.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }
}
