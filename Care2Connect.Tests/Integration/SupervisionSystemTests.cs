using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Care2Connect.AppHost.Supervision;
using Care2Connect.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Care2Connect.Tests.Integration;

/// <summary>The AppHost as process supervisor: real processes killed for real.</summary>
[Collection(AppHostCollection.Name)]
public sealed class SupervisionSystemTests(Care2ConnectAppFixture fixture, ITestOutputHelper output) : IClassFixture<Care2ConnectAppFixture>
{
    [Fact]
    public async Task A_killed_api_process_is_restarted_and_serves_again()
    {
        var running = await fixture.WaitForStateAsync("api", e => e.Snapshot.State?.Text == KnownResourceStates.Running);
        var restartsBefore = int.Parse(Property(running, "supervisor.restarts_in_window") ?? "0", CultureInfo.InvariantCulture);
        var wrapper = Care2ConnectAppFixture.PidOf(running)!.Value;
        var app = ProcessTree.AppUnder(wrapper, "Care2Connect.Api");

        var clock = Stopwatch.StartNew();
        ProcessTree.Signal(app.Pid, "KILL");
        using (var dead = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await ProcessExitWatch.WaitForExitAsync(app.Pid, TimeSpan.FromMilliseconds(10), TimeProvider.System, dead.Token);
        }

        // A caller between the crash and the restart is refused (reset, while the dying process's last threads still
        // hold its sockets; or, once the new process listens, answered): nothing holds its request while no API
        // process exists. (The orchestrator may never show the crash as Exited: the supervisor's own watch sees the
        // process end first and starts it again.)
        // A new caller, with no connection kept alive from before the crash (such a connection is reset at once).
        using (var caller = new HttpClient { BaseAddress = fixture.App.GetEndpoint("api", Care2ConnectAppFixture.PublicEndpoint), Timeout = LongerThanAnyRefusal })
        {
            var outcome = await CallAsync(caller, "/alive");
            Assert.True(outcome is "refused" or "reset" or "200", $"a request while the API was dead: {outcome}");
        }

        var restarted = await fixture.WaitForStateAsync(
            "api",
            e => e.Snapshot.State?.Text == KnownResourceStates.Running && Care2ConnectAppFixture.PidOf(e) is { } pid && pid != wrapper,
            TimeSpan.FromSeconds(90));
        var toRunning = clock.Elapsed;

        using var api = fixture.CreateApiClient(fixture.OperatorKey);
        await Eventually.HoldsAsync(async () => (await api.GetAsync("/alive")).IsSuccessStatusCode, "the API never served again", TimeSpan.FromSeconds(90));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kill -> Running again {toRunning.TotalSeconds:0.0} s; -> serving {clock.Elapsed.TotalSeconds:0.0} s"));

        // The initial start is not counted; this restart is.
        Assert.Equal((restartsBefore + 1).ToString(CultureInfo.InvariantCulture), Property(restarted, "supervisor.restarts_in_window"));
        Assert.Equal((5 - restartsBefore - 1).ToString(CultureInfo.InvariantCulture), Property(restarted, "supervisor.budget_left"));
        var log = await File.ReadAllTextAsync(Path.Combine(fixture.LogDirectory, "supervisor.log"));
        Assert.Matches(@"\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] \[WARN\] api: process " + wrapper + " ended; restarting", log);
        await fixture.RecordProcessesAsync(CancellationToken.None);
    }

    [Fact]
    public async Task While_the_api_is_stopped_its_endpoints_refuse_callers_at_once()
    {
        await fixture.WaitForStateAsync("api", e => e.Snapshot.State?.Text == KnownResourceStates.Running);
        await fixture.ExecuteCommandAsync("api", KnownResourceCommands.StopCommand);
        try
        {
            await fixture.WaitForStateAsync("api", e => e.Snapshot.State?.Text is "Finished" or "Exited");

            // No process listens, and nothing stands in for one: a proxy that accepted the connection would hold
            // the request until the caller's own timeout (here far longer than the test waits for anything).
            foreach (var endpoint in new[] { Care2ConnectAppFixture.PublicEndpoint, Care2ConnectAppFixture.InternalEndpoint })
            {
                using var caller = fixture.CreateApiClient(fixture.OperatorKey, endpoint);
                caller.Timeout = LongerThanAnyRefusal;
                Assert.Equal("refused", await CallAsync(caller, "/alive"));
            }
        }
        finally
        {
            await fixture.ExecuteCommandAsync("api", KnownResourceCommands.StartCommand);
            await fixture.WaitForStateAsync("api", e => e.Snapshot.State?.Text == KnownResourceStates.Running);
        }

        using var api = fixture.CreateApiClient(fixture.OperatorKey);
        await Eventually.HoldsAsync(async () => (await api.GetAsync("/alive")).IsSuccessStatusCode, "the API never served again", TimeSpan.FromSeconds(90));
        await fixture.RecordProcessesAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_killed_local_postgres_server_is_restarted_with_its_data()
    {
        using var api = fixture.CreateApiClient(fixture.OperatorKey);
        using var created = await api.PostAsJsonAsync("/api/tickets", new { displayName = "survives a crash", contactType = "NONE" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var postmaster = int.Parse(File.ReadLines(Path.Combine(fixture.DataDirectory, "data", "postmaster.pid")).First(), CultureInfo.InvariantCulture);

        var server = Care2ConnectAppFixture.PidOf(await fixture.WaitForStateAsync("postgres", e => e.Snapshot.State?.Text == KnownResourceStates.Running))!.Value;
        var logBefore = fixture.PostgresLog.Count;
        ProcessTree.Signal(postmaster, "KILL");
        // Healthy under a new wrapper: the new server accepts connections. Running alone is not enough, and neither is
        // a successful read: the killed server's backends live on for a moment, and one may still answer on a pooled
        // connection before the new server is up (seen in CI: a read succeeded, the next got 503).
        await fixture.WaitForStateAsync(
            "postgres",
            e => e.Snapshot.State?.Text == KnownResourceStates.Running && Care2ConnectAppFixture.PidOf(e) is { } pid && pid != server
                && e.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy,
            TimeSpan.FromSeconds(90));

        // It recovered from this crash (its log arrives streamed, a moment after the lines were written).
        await Eventually.HoldsAsync(
            () => Task.FromResult(fixture.PostgresLog.Skip(logBefore).Any(line => line.Contains("automatic recovery in progress", StringComparison.Ordinal)
                || line.Contains("not properly shut down", StringComparison.Ordinal))),
            "the new server's log never showed crash recovery",
            TimeSpan.FromSeconds(30));

        // And the ticket written before the crash reads from it (a pooled connection to the dead server may fail first).
        var ticket = await Eventually.ValueAsync(
            async () =>
            {
                using var response = await api.GetAsync($"/api/tickets/{id}");
                return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement?>() : null;
            },
            read => read is not null,
            TimeSpan.FromSeconds(90));
        Assert.True(ticket is not null, "the ticket never became readable again");
        Assert.Equal("survives a crash", ticket.Value.GetProperty("displayName").GetString());
        await fixture.RecordProcessesAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_hung_api_fails_liveness_and_is_restarted()
    {
        var running = await fixture.WaitForStateAsync("api", e => e.Snapshot.State?.Text == KnownResourceStates.Running);
        var wrapper = Care2ConnectAppFixture.PidOf(running)!.Value;
        var app = ProcessTree.AppUnder(wrapper, "Care2Connect.Api");

        var clock = Stopwatch.StartNew();
        ProcessTree.Signal(app.Pid, "STOP");
        try
        {
            await fixture.WaitForStateAsync(
                "api",
                e => e.Snapshot.State?.Text == KnownResourceStates.Running && Care2ConnectAppFixture.PidOf(e) is { } pid && pid != wrapper,
                TimeSpan.FromSeconds(120));
        }
        finally
        {
            // If the process is somehow still there, let it go so the fixture can stop it.
            ProcessTree.Signal(app.Pid, "CONT");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SIGSTOP -> restarted and Running {clock.Elapsed.TotalSeconds:0.0} s"));
        using var api = fixture.CreateApiClient(fixture.OperatorKey);
        await Eventually.HoldsAsync(async () => (await api.GetAsync("/alive")).IsSuccessStatusCode, "the API never served again", TimeSpan.FromSeconds(90));
        var log = await File.ReadAllTextAsync(Path.Combine(fixture.LogDirectory, "supervisor.log"));
        Assert.Contains("api: liveness probe /alive failed 3 times in a row (last: no answer within 1000 ms)", log, StringComparison.Ordinal);
        // Each failure on the way there was logged as it was counted (event 8207), the first two below the threshold.
        for (var failure = 1; failure <= 3; failure++)
        {
            Assert.Contains(fixture.SupervisorLog, line => line.Contains($"[8207] api: liveness probe /alive failed ({failure} of 3 in a row): no answer within 1000 ms", StringComparison.Ordinal));
        }

        Assert.False(app.IsRunning, "the hung process must be gone");
        await fixture.RecordProcessesAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_stop_from_the_dashboard_is_never_undone_and_start_resumes()
    {
        await fixture.WaitForStateAsync("monitor", e => e.Snapshot.State?.Text == KnownResourceStates.Running);

        await fixture.ExecuteCommandAsync("monitor", KnownResourceCommands.StopCommand);
        await fixture.WaitForStateAsync("monitor", e => e.Snapshot.State?.Text is "Finished" or "Exited");

        // Well past the restart backoff, it is still stopped.
        await Task.Delay(TimeSpan.FromSeconds(4));
        var stopped = await fixture.WaitForStateAsync("monitor", _ => true);
        Assert.NotEqual(KnownResourceStates.Running, stopped.Snapshot.State?.Text);

        await fixture.ExecuteCommandAsync("monitor", KnownResourceCommands.StartCommand);
        await fixture.WaitForStateAsync("monitor", e => e.Snapshot.State?.Text == KnownResourceStates.Running);
        await fixture.RecordProcessesAsync(CancellationToken.None);
    }

    private static readonly TimeSpan LongerThanAnyRefusal = TimeSpan.FromSeconds(60);

    // "refused" (the connection was refused: nothing listens), "reset" (a dying process's socket took the connection
    // and dropped it at once), the status code of an answer, or "neither ..." when the request got none of these
    // (timed out, cut off some other way).
    private static async Task<string> CallAsync(HttpClient client, string path)
    {
        try
        {
            using var response = await client.GetAsync(path);
            return ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException exception) when (exception.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused })
        {
            return "refused";
        }
        catch (HttpRequestException exception) when (exception.InnerException is IOException { InnerException: System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionReset } })
        {
            return "reset";
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return $"neither refused nor answered: {exception.GetType().Name}: {exception.Message} ({exception.InnerException?.Message})";
        }
    }

    private static string? Property(ResourceEvent resource, string name) =>
        resource.Snapshot.Properties.FirstOrDefault(p => p.Name == name)?.Value?.ToString();
}
