using System.Text.Json;
using Care2Connect.Tests.Infrastructure;
using static Care2Connect.Tests.Infrastructure.MonitorStatus;
using Xunit.Abstractions;

namespace Care2Connect.Tests.Integration;

/// <summary>
/// The Monitor watching the real system while the tests break it: the database stopped, the API stopped, the
/// tunnel unready, the edge lost, and the Monitor itself restarted mid-outage. Everything is read from the
/// Monitor's own <c>/api/status</c>.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class MonitorSystemTests(Care2ConnectAppFixture fixture, ITestOutputHelper output) : IClassFixture<Care2ConnectAppFixture>
{
    [Fact]
    public async Task A_database_outage_goes_down_through_the_api_recovery_is_requested_once_and_it_comes_back_up()
    {
        using var monitor = fixture.CreateMonitorClient();
        await WaitForAsync(monitor, status => State(status, "database") == "up" && State(status, "api-status") == "up", "the database never showed up");

        await fixture.ExecuteCommandAsync("postgres", KnownResourceCommands.StopCommand);
        JsonElement down;
        try
        {
            down = await WaitForAsync(monitor, status => State(status, "database") == "down", "the database never went DOWN");
            var transition = down.GetProperty("transitions").EnumerateArray().First(t => Text(t, "component") == "database" && Text(t, "to") == "down");
            output.WriteLine($"database DOWN: {transition}");

            // The Monitor asks the API to recover once; its cooldown (1 minute here) holds further requests back. A 429
            // (the API's own cooldown: it recovers by itself too) is waited out and does not count as a request made.
            var asked = await WaitForAsync(monitor, status => Accepted(status, "database").Count >= 1, "recovery was never requested");
            await Task.Delay(TimeSpan.FromSeconds(5));
            var later = await monitor.GetFromJsonAsync<JsonElement>("/api/status");
            Assert.Single(Accepted(later, "database"));
            output.WriteLine($"recovery request: {Accepted(asked, "database")[0]}");

            // The Monitor killed in the middle of the outage is started again by the supervisor, keeps checking, and
            // remembers the outage (its SQLite history does not depend on the Postgres that is down).
            var running = await fixture.WaitForStateAsync("monitor", e => e.Snapshot.State?.Text == KnownResourceStates.Running && Care2ConnectAppFixture.PidOf(e) is not null);
            var wrapper = Care2ConnectAppFixture.PidOf(running)!.Value;
            var process = ProcessTree.AppUnder(wrapper, "Care2Connect.Monitor");
            await fixture.RecordProcessesAsync(CancellationToken.None);
            ProcessTree.Signal(process.Pid, "KILL");
            await fixture.WaitForStateAsync(
                "monitor",
                e => e.Snapshot.State?.Text == KnownResourceStates.Running && Care2ConnectAppFixture.PidOf(e) is { } pid && pid != wrapper,
                TimeSpan.FromSeconds(90));
            await fixture.RecordProcessesAsync(CancellationToken.None);
            using var restarted = fixture.CreateMonitorClient();
            var after = await WaitForAsync(restarted, status => State(status, "api-status") == "up" && State(status, "database") == "down", "the restarted Monitor lost track of the outage");
            Assert.True((Since(down, "database") - Since(after, "database")).Duration() < TimeSpan.FromSeconds(1), "the DOWN since time changed across the restart");
        }
        finally
        {
            await fixture.ExecuteCommandAsync("postgres", KnownResourceCommands.StartCommand);
        }

        using var client = fixture.CreateMonitorClient();
        var up = await WaitForAsync(client, status => State(status, "database") == "up", "the database never came back UP", TimeSpan.FromSeconds(90));
        Assert.Contains(up.GetProperty("transitions").EnumerateArray(), t => Text(t, "component") == "database" && Text(t, "to") == "up");
        Assert.Equal("none", Text(up, "fault"));
    }

    [Fact]
    public async Task Faults_are_named_from_three_vantage_points_and_an_unreachable_api_gets_no_recovery_call()
    {
        using var monitor = fixture.CreateMonitorClient();
        await WaitForAsync(monitor, status => Text(status, "fault") == "none" && State(status, "public-site") == "up" && State(status, "tunnel") == "up", "the way in never looked healthy");

        // Edge: the public side fails while the tunnel says it is ready.
        await fixture.ExecuteCommandAsync("tunnel", "tunnel-lose-edge");
        await WaitForAsync(monitor, status => Text(status, "fault") == "edge-or-dns", "the edge fault was never named");
        await fixture.ExecuteCommandAsync("tunnel", "tunnel-ready");
        await WaitForAsync(monitor, status => Text(status, "fault") == "none", "the edge fault never cleared");

        // Tunnel: stopped (an unready one is restarted by the supervisor within seconds; a stop is never undone).
        await fixture.ExecuteCommandAsync("tunnel", KnownResourceCommands.StopCommand);
        try
        {
            await WaitForAsync(monitor, status => Text(status, "fault") == "tunnel-down", "the tunnel fault was never named");
        }
        finally
        {
            await fixture.ExecuteCommandAsync("tunnel", KnownResourceCommands.StartCommand);
        }

        await WaitForAsync(monitor, status => Text(status, "fault") == "none", "the tunnel fault never cleared", TimeSpan.FromSeconds(90));

        // Origin: the API stopped. No recovery request while it cannot answer.
        var requestsBefore = (await monitor.GetFromJsonAsync<JsonElement>("/api/status")).GetProperty("recoveryRequests").GetArrayLength();
        await fixture.ExecuteCommandAsync("api", KnownResourceCommands.StopCommand);
        try
        {
            var origin = await WaitForAsync(monitor, status => Text(status, "fault") == "origin-down" && State(status, "api") == "down", "the origin fault was never named");
            Assert.Equal(requestsBefore, origin.GetProperty("recoveryRequests").GetArrayLength());
        }
        finally
        {
            await fixture.ExecuteCommandAsync("api", KnownResourceCommands.StartCommand);
        }

        await WaitForAsync(monitor, status => Text(status, "fault") == "none" && State(status, "api") == "up", "the API never came back UP", TimeSpan.FromSeconds(90));

        // Each DOWN alert names the fault seen when it was raised; the UP notices follow.
        await Eventually.HoldsAsync(() => Task.FromResult(Alert("up", "api") is not null), "no resolved notice for the API");
        Assert.True(Alerted("down", "public-site", "edge-or-dns"), "no DOWN alert for the public site naming edge-or-dns");
        Assert.True(Alerted("down", "tunnel", "tunnel-down"), "no DOWN alert for the tunnel naming tunnel-down");
        Assert.True(Alerted("down", "api", "origin-down"), "no DOWN alert for the API naming origin-down");
        Assert.Contains("origin down", Text(Alert("down", "api")!.Value, "message"), StringComparison.OrdinalIgnoreCase);
    }

    private bool Alerted(string kind, string component, string fault) =>
        fixture.Alerts.Delivered.Select(r => r.Json).Any(a => Text(a, "kind") == kind && Text(a, "component") == component && Text(a, "fault") == fault);

    private JsonElement? Alert(string kind, string component) =>
        fixture.Alerts.Delivered.Select(r => r.Json).FirstOrDefault(a => Text(a, "kind") == kind && Text(a, "component") == component) is { ValueKind: JsonValueKind.Object } found
            ? found
            : null;

    [Fact]
    public async Task A_check_of_the_apis_detailed_status_is_one_trace_from_the_monitor_through_the_api_to_postgres()
    {
        var telemetry = fixture.Telemetry ?? throw new InvalidOperationException("This fixture exports to the tests' receiver.");

        // The Monitor checks the detailed status every second here; any one check since the boot will do, as long as
        // every hop of it arrived: the Monitor's check span, its HTTP call, the API's request and the query it ran.
        (ReceivedSpan Check, ReceivedSpan Call, ReceivedSpan Request, ReceivedSpan Query)? found = null;
        await Eventually.HoldsAsync(
            () =>
            {
                found = FindCheckTrace(telemetry.Spans);
                return Task.FromResult(found is not null);
            },
            "no api-status check reached PostgreSQL in one trace");

        var (check, call, request, query) = found!.Value;
        output.WriteLine($"trace {check.TraceId}: {check.Service}/{check.Name} > {call.Service}/{call.Name} > {request.Service}/{request.Name} > {query.Service}/{query.Name}");
        Assert.Equal("monitor", check.Service);
        Assert.Equal("Care2Connect.Monitor", check.Scope);
        Assert.Equal("api-status", check.Attributes["care2connect.check"]);
        Assert.Equal("monitor", call.Service);
        Assert.Equal(SpanKindClient, call.Kind);
        Assert.Equal("api", request.Service);
        Assert.Equal(SpanKindServer, request.Kind);
        Assert.Equal("/health/status", request.Attributes["url.path"]);
        Assert.Equal("api", query.Service);
        Assert.Equal("Npgsql", query.Scope);
        Assert.Equal(SpanKindClient, query.Kind);
    }

    private const int SpanKindServer = 2;
    private const int SpanKindClient = 3;

    // A Monitor check span whose HTTP call is the parent of the API's request, under which (at any depth) the API
    // ran a PostgreSQL command.
    private static (ReceivedSpan Check, ReceivedSpan Call, ReceivedSpan Request, ReceivedSpan Query)? FindCheckTrace(IReadOnlyList<ReceivedSpan> spans)
    {
        foreach (var check in spans.Where(s => s.Name == "monitor.check api-status"))
        {
            var trace = spans.Where(s => s.TraceId == check.TraceId).ToList();
            foreach (var call in trace.Where(s => s.ParentSpanId == check.SpanId && s.Kind == SpanKindClient))
            {
                foreach (var request in trace.Where(s => s.ParentSpanId == call.SpanId && s.Service == "api" && s.Kind == SpanKindServer))
                {
                    var query = trace.FirstOrDefault(s => s.Scope == "Npgsql" && DescendsFrom(s, request, trace));
                    if (query is not null)
                    {
                        return (check, call, request, query);
                    }
                }
            }
        }

        return null;
    }

    private static bool DescendsFrom(ReceivedSpan span, ReceivedSpan ancestor, List<ReceivedSpan> trace)
    {
        for (var current = span; current.ParentSpanId is { } parent;)
        {
            if (parent == ancestor.SpanId)
            {
                return true;
            }

            current = trace.FirstOrDefault(s => s.SpanId == parent)!;
            if (current is null)
            {
                return false;
            }
        }

        return false;
    }

    [Fact]
    public async Task Pause_and_resume_from_the_dashboard_flip_the_maintenance_switch()
    {
        using var monitor = fixture.CreateMonitorClient();
        await fixture.ExecuteCommandAsync("monitor", "pause-actions");
        var paused = await monitor.GetFromJsonAsync<JsonElement>("/api/maintenance");
        Assert.True(paused.GetProperty("active").GetBoolean());
        Assert.True((await monitor.GetFromJsonAsync<JsonElement>("/api/status")).GetProperty("maintenance").GetProperty("active").GetBoolean());

        await fixture.ExecuteCommandAsync("monitor", "resume-actions");
        Assert.False((await monitor.GetFromJsonAsync<JsonElement>("/api/maintenance")).GetProperty("active").GetBoolean());

        // Without the key, nobody flips it.
        using var anonymous = await monitor.PutAsJsonAsync("/api/maintenance", new { active = true });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    private static List<JsonElement> Accepted(JsonElement status, string component) =>
        [.. Requests(status, component).Where(r => Text(r, "outcome") != "cooldown")];

    private static List<JsonElement> Requests(JsonElement status, string component) =>
        [.. status.GetProperty("recoveryRequests").EnumerateArray().Where(r => r.GetProperty("components").EnumerateArray().Any(c => c.GetString() == component))];
}
