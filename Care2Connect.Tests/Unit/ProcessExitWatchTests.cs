using System.Diagnostics;
using Care2Connect.AppHost.Supervision;
using Microsoft.Extensions.Time.Testing;

namespace Care2Connect.Tests.Unit;

/// <summary>The supervisor's own watch on a process it did not start: real processes, a fake clock for its period.</summary>
public sealed class ProcessExitWatchTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private readonly FakeTimeProvider _time = new();

    [Theory]
    [InlineData("4242 (dotnet) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10 18446744073709551615", 'S', 1, 987654UL)]
    [InlineData("77 (a) (b c)) Z 76 77 77 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 5 0 0 18446744073709551615", 'Z', 76, 5UL)]
    public void A_stat_line_gives_state_parent_and_start_time_even_when_the_name_holds_spaces_and_parentheses(string line, char state, int parent, ulong startTime)
    {
        Assert.Equal(new ProcStat(state, parent, startTime), ProcStat.Parse(line));
    }

    [Theory]
    [InlineData("")]
    [InlineData("4242 (dotnet S 1")]
    [InlineData("4242 (dotnet) S 1 2 3")]
    public void A_line_that_is_not_a_stat_line_is_nothing(string line) => Assert.Null(ProcStat.Parse(line));

    [Fact]
    public void Only_a_process_that_has_not_ended_is_running()
    {
        Assert.True(new ProcStat('S', 1, 1).IsRunning);
        Assert.True(new ProcStat('T', 1, 1).IsRunning); // stopped (SIGSTOP) is hung, not gone: liveness deals with it
        Assert.False(new ProcStat('Z', 1, 1).IsRunning);
        Assert.False(new ProcStat('X', 1, 1).IsRunning);
    }

    [Fact]
    public async Task A_running_process_is_watched_until_it_is_killed()
    {
        using var process = Start("sleep", "60");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watch = ProcessExitWatch.WaitForExitAsync(process.Id, Interval, _time, cts.Token);

        for (var i = 0; i < 5; i++)
        {
            _time.Advance(Interval);
            await Task.Delay(20);
        }

        Assert.False(watch.IsCompleted, "the watch ended while the process ran");
        process.Kill();
        await process.WaitForExitAsync(cts.Token);
        await AdvanceUntilAsync(watch, cts.Token);
    }

    [Fact]
    public async Task A_zombie_its_parent_has_not_reaped_has_ended()
    {

        // The shell starts a short-lived child, then becomes a sleep that never reaps it: the child stays a zombie,
        // as a killed API does until the orchestrator reaps it.
        using var parent = Start("sh", "-c", "sleep 0.2 & echo $!; exec sleep 60");
        try
        {
            var child = int.Parse(await parent.StandardOutput.ReadLineAsync() ?? "", System.Globalization.CultureInfo.InvariantCulture);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var watch = ProcessExitWatch.WaitForExitAsync(child, Interval, _time, cts.Token);
            await AdvanceUntilAsync(watch, cts.Token);
            Assert.Equal('Z', ProcStat.Read(child)?.State);
        }
        finally
        {
            parent.Kill();
        }
    }

    [Fact]
    public async Task A_process_already_gone_has_ended_at_once()
    {
        using var process = Start("true");
        await process.WaitForExitAsync();
        Assert.Null(ProcStat.Read(process.Id));
        await ProcessExitWatch.WaitForExitAsync(process.Id, Interval, _time, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }

    private async Task AdvanceUntilAsync(Task watch, CancellationToken cancellationToken)
    {
        while (!watch.IsCompleted)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _time.Advance(Interval);
            await Task.Delay(20, cancellationToken);
        }

        await watch;
    }

    private static Process Start(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
    }
}
