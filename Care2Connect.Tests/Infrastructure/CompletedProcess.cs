using System.Diagnostics;

namespace Care2Connect.Tests.Infrastructure;

/// <summary>A process run to its end, and what it wrote.</summary>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="Stdout">All it wrote to standard output.</param>
/// <param name="Stderr">All it wrote to standard error.</param>
internal sealed record CompletedProcess(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>
    /// Starts <paramref name="start"/> with both streams read, and waits for its end; a process still running after
    /// <paramref name="timeout"/> has its whole tree killed.
    /// </summary>
    /// <returns>The ended process, or null when it had to be killed.</returns>
    public static async Task<CompletedProcess?> RunAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return null;
        }

        return new CompletedProcess(process.ExitCode, await stdout, await stderr);
    }
}
