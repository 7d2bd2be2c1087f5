using System.Diagnostics;
using System.Text.Json;
using Care2Connect.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace Care2Connect.Tests.Integration;

/// <summary>Local Postgres stopped and started from the orchestrator, as a dashboard user would.</summary>
[Collection(AppHostCollection.Name)]
public sealed class PostgresLifecycleSystemTests(Care2ConnectAppFixture fixture, ITestOutputHelper output) : IClassFixture<Care2ConnectAppFixture>
{
    [Fact]
    public async Task Stop_is_a_fast_clean_shutdown_the_api_stays_alive_and_start_brings_the_data_back()
    {
        using var api = fixture.CreateApiClient(fixture.OperatorKey, Care2ConnectAppFixture.InternalEndpoint);
        using var created = await api.PostAsJsonAsync("/api/tickets", new { displayName = "Before the outage", contactType = "NONE" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // A client holding an open transaction: a "smart" shutdown would wait for it forever.
        var connectionString = await fixture.App.GetConnectionStringAsync("care2connect").AsTask().WaitAsync(Care2ConnectAppFixture.DefaultTimeout);
        await using var holder = new NpgsqlConnection(connectionString);
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand("SELECT count(*) FROM tickets", holder, transaction))
        {
            await command.ExecuteScalarAsync();
        }

        var serverPid = ReadPostmasterPid();
        var apiBefore = Care2ConnectAppFixture.PidOf(await fixture.WaitForStateAsync("api", e => e.Snapshot.State?.Text == KnownResourceStates.Running));
        var stopwatch = Stopwatch.StartNew();
        await fixture.ExecuteCommandAsync("postgres", KnownResourceCommands.StopCommand);
        var stopped = await fixture.WaitForStateAsync(
            "postgres",
            e => e.Snapshot.State?.Text is "Exited" or "Finished" or "FailedToStart",
            TimeSpan.FromSeconds(30));
        stopwatch.Stop();

        output.WriteLine($"Stop with a client in an open transaction took {stopwatch.Elapsed.TotalSeconds:0.00} s");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(15), $"Stop took {stopwatch.Elapsed}");
        Assert.Equal(0, stopped.Snapshot.ExitCode);
        Assert.Contains(fixture.PostgresLog, line => line.Contains("received fast shutdown request", StringComparison.Ordinal));
        Assert.Contains(fixture.PostgresLog, line => line.Contains("database system is shut down", StringComparison.Ordinal));
        Assert.False(ProcessTree.TryRead(serverPid) is { } still && still.CommandLine.Contains(fixture.DataDirectory, StringComparison.Ordinal), "the server process is still running");

        // The API lives on and says it is not ready.
        using (var alive = await api.GetAsync("/alive"))
        {
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        }

        await Eventually.HoldsAsync(async () => (await api.GetAsync("/health")).StatusCode == HttpStatusCode.ServiceUnavailable, "API readiness never turned unhealthy");
        var monitor = await fixture.WaitForStateAsync("monitor", e => e.Snapshot.State?.Text == KnownResourceStates.Running);
        Assert.Equal(KnownResourceStates.Running, monitor.Snapshot.State?.Text);

        // Start again: no crash recovery, the data is there, the API becomes ready by itself.
        var logLinesBeforeStart = fixture.PostgresLog.Count;
        stopwatch.Restart();
        await fixture.ExecuteCommandAsync("postgres", KnownResourceCommands.StartCommand);
        using (var timeout = new CancellationTokenSource(Care2ConnectAppFixture.DefaultTimeout))
        {
            await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("postgres", timeout.Token);
        }

        await Eventually.HoldsAsync(async () => (await api.GetAsync("/health")).StatusCode == HttpStatusCode.OK, "API readiness never recovered");
        output.WriteLine($"Start to API ready again took {stopwatch.Elapsed.TotalSeconds:0.00} s");
        var restartLog = fixture.PostgresLog.Skip(logLinesBeforeStart).ToList();
        Assert.Contains(restartLog, line => line.Contains("database system was shut down at", StringComparison.Ordinal));
        Assert.DoesNotContain(restartLog, line => line.Contains("not properly shut down", StringComparison.Ordinal));

        var ticket = await api.GetFromJsonAsync<JsonElement>($"/api/tickets/{id}");
        Assert.Equal("Before the outage", ticket.GetProperty("displayName").GetString());

        // A database outage is not the API's fault: liveness never looked at the database, so no restart.
        var apiAfter = await fixture.WaitForStateAsync("api", e => e.Snapshot.State?.Text == KnownResourceStates.Running);
        Assert.Equal(apiBefore, Care2ConnectAppFixture.PidOf(apiAfter));
        Assert.DoesNotContain(apiAfter.Snapshot.Properties, p => p.Name == "supervisor.restarts_in_window");
        await fixture.RecordProcessesAsync(CancellationToken.None);
    }

    private int ReadPostmasterPid()
    {
        var pidFile = Path.Combine(fixture.DataDirectory, "data", "postmaster.pid");
        return int.Parse(File.ReadLines(pidFile).First(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_database_outage_shows_in_health_status_and_recovery_closes_the_breaker_once_postgres_is_back()
    {
        using var admin = fixture.CreateApiClient(fixture.AdminKey, Care2ConnectAppFixture.InternalEndpoint);
        admin.Timeout = TimeSpan.FromSeconds(10);
        using var operatorClient = fixture.CreateApiClient(fixture.OperatorKey);
        await Eventually.HoldsAsync(async () => Status(await admin.GetFromJsonAsync<JsonElement>("/health/status")) == "healthy", "the API never reported healthy");

        Guid failedId;
        await fixture.ExecuteCommandAsync("postgres", KnownResourceCommands.StopCommand);
        try
        {
            var clock = Stopwatch.StartNew();
            await Eventually.HoldsAsync(
                async () => (await admin.GetFromJsonAsync<JsonElement>("/health/status")).GetProperty("database").GetProperty("status").GetString() == "unhealthy",
                "the database never showed unhealthy in /health/status",
                TimeSpan.FromSeconds(20));
            output.WriteLine($"database unhealthy in /health/status {clock.Elapsed.TotalSeconds:0.0} s after the stop");

            // Traffic during the outage opens the breaker (3 failed operations in these tests).
            await TrafficUntilTheBreakerOpensAsync(operatorClient, admin, "the breaker never opened", TimeSpan.FromSeconds(45));

            // Recovery while the database is down fails, and says so (the attempt waits in memory to be written).
            using (var request = new HttpRequestMessage(HttpMethod.Post, "/health/recover") { Content = JsonContent.Create(new { reason = "outage drill", components = new[] { "database" }, force = true }) })
            {
                using var response = await admin.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var attempt = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("attempt");
                Assert.Equal("failed", attempt.GetProperty("outcome").GetString());
                failedId = attempt.GetProperty("id").GetGuid();
            }

            // The API still answers, with the status words only for anonymous callers.
            using var anonymous = fixture.CreateApiClient(endpoint: Care2ConnectAppFixture.InternalEndpoint);
            var words = await anonymous.GetFromJsonAsync<JsonElement>("/health/status");
            Assert.Equal("unhealthy", Status(words));
            Assert.Equal("unhealthy", words.GetProperty("components").GetProperty("database").GetString());
        }
        finally
        {
            await fixture.ExecuteCommandAsync("postgres", KnownResourceCommands.StartCommand);
        }

        // Once Postgres is back, automatic recovery runs the breaker's trial and verifies it.
        var stats = await Eventually.ValueAsync(
            () => admin.GetFromJsonAsync<JsonElement>("/health/recovery-stats"),
            body => body.GetProperty("source").GetString() == "database" && body.GetProperty("recent").EnumerateArray().Any(a => a.GetProperty("components").EnumerateArray().Any(c =>
                c.GetProperty("component").GetString() == "database-circuit-breaker" && c.GetProperty("outcome").GetString() == "succeeded")),
            TimeSpan.FromSeconds(60));
        Assert.Equal("database", stats.GetProperty("source").GetString());
        var recovered = stats.GetProperty("recent").EnumerateArray().First(a => a.GetProperty("outcome").GetString() == "succeeded");
        var breaker = recovered.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("component").GetString() == "database-circuit-breaker");
        Assert.Equal("unhealthy", breaker.GetProperty("before").GetProperty("status").GetString());
        Assert.Equal("healthy", breaker.GetProperty("after").GetProperty("status").GetString());
        Assert.Contains(stats.GetProperty("recent").EnumerateArray(), a => a.GetProperty("id").GetGuid() == failedId); // written once the database was back
        await Eventually.HoldsAsync(async () => Status(await admin.GetFromJsonAsync<JsonElement>("/health/status")) == "healthy", "the API never reported healthy again");

        // The dashboard's "Recover now" (once the short cooldown of these tests has passed): nothing to recover, and
        // recorded with its trigger.
        await Eventually.HoldsAsync(
            async () => (await admin.GetFromJsonAsync<JsonElement>("/health/status")).GetProperty("recovery").GetProperty("cooldownRemainingSeconds").GetDouble() == 0,
            "the cooldown never ended");
        // Automatic recovery may still be tidying up (a pool cleared, a breaker closed): the command then reports the
        // cooldown, which is its documented answer; it succeeds once the cooldown has passed.
        await Eventually.HoldsAsync(
            async () =>
            {
                var result = await fixture.App.ResourceCommands.ExecuteCommandAsync("api", "recover-now");
                Assert.True(result.Success || result.Message?.Contains("cooling down", StringComparison.Ordinal) == true, result.Message);
                return result.Success;
            },
            "Recover now never ran");
        var after = await admin.GetFromJsonAsync<JsonElement>("/health/recovery-stats");
        var dashboard = after.GetProperty("recent").EnumerateArray().First();
        Assert.Equal("dashboard", dashboard.GetProperty("trigger").GetString());
        Assert.Equal("nothing to recover", dashboard.GetProperty("summary").GetString());
    }

    private static string? Status(JsonElement body) => body.GetProperty("status").GetString();

    [Fact]
    public async Task Simulate_outage_from_the_dashboard_opens_the_breaker_and_recovery_closes_it_again()
    {
        using var admin = fixture.CreateApiClient(fixture.AdminKey, Care2ConnectAppFixture.InternalEndpoint);
        admin.Timeout = TimeSpan.FromSeconds(10);
        using var operatorClient = fixture.CreateApiClient(fixture.OperatorKey);
        await Eventually.HoldsAsync(async () => Breaker(await admin.GetFromJsonAsync<JsonElement>("/health/status")) == "Closed", "the breaker was not closed to begin with");

        // "Reset circuit breaker" on a closed breaker: nothing to do, and it says so.
        await fixture.ExecuteCommandAsync("api", "reset-breaker");

        // The drill: Postgres stopped for 10 s (the tests' setting), then started, by one command.
        var drillStarted = DateTimeOffset.UtcNow;
        var drill = fixture.App.ResourceCommands.ExecuteCommandAsync("postgres", "simulate-outage");
        await TrafficUntilTheBreakerOpensAsync(operatorClient, admin, "the breaker never opened during the drill", TimeSpan.FromSeconds(30));

        var result = await drill.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(result.Success, result.Message);
        await Eventually.HoldsAsync(
            async () => Breaker(await admin.GetFromJsonAsync<JsonElement>("/health/status")) == "Closed",
            "the breaker never closed after the drill",
            TimeSpan.FromSeconds(60));
        var status = await admin.GetFromJsonAsync<JsonElement>("/health/status");
        Assert.True(status.GetProperty("database").GetProperty("healthy").GetBoolean());

        // The same story in the metrics the dashboard charts: the breaker's state gauge (0 closed, 1 open) read 1
        // during the drill and 0 after it, and the transitions counter counted the way there and back.
        var telemetry = fixture.Telemetry ?? throw new InvalidOperationException("This fixture exports to the tests' receiver.");
        await Eventually.HoldsAsync(
            () =>
            {
                var states = telemetry.MetricPoints.Where(p => p.Service == "api" && p.Name == "care2connect.db.breaker.state" && p.Time >= drillStarted).ToList();
                var opened = states.FirstOrDefault(p => p.Value == 1);
                return Task.FromResult(opened is not null && states.Any(p => p.Value == 0 && p.Time > opened.Time));
            },
            "the breaker state metric never showed open and then closed");
        var transitions = telemetry.MetricPoints.Where(p => p.Service == "api" && p.Name == "care2connect.db.breaker.transitions").ToList();
        Assert.Contains(transitions, p => p.Attributes["to"] == "Open" && p.Value >= 1);
        Assert.Contains(transitions, p => p.Attributes["to"] == "Closed" && p.Value >= 1);
        Assert.All(transitions, p => Assert.Equal("{transition}", p.Unit));
    }

    private static string? Breaker(JsonElement status) => status.GetProperty("database").GetProperty("breakerState").GetString();

    // Reads of unknown tickets during an outage: each fails after its retries and counts towards opening the breaker.
    private static Task TrafficUntilTheBreakerOpensAsync(HttpClient operatorClient, HttpClient admin, string because, TimeSpan timeout) =>
        Eventually.HoldsAsync(
            async () =>
            {
                await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => operatorClient.GetAsync($"/api/tickets/{Guid.NewGuid()}")));
                return Breaker(await admin.GetFromJsonAsync<JsonElement>("/health/status")) == "Open";
            },
            because,
            timeout);
}
