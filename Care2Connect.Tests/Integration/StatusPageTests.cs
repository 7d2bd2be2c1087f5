using System.Text.Json;
using Care2Connect.Monitor;
using Care2Connect.Monitor.History;
using Care2Connect.Monitor.Status;
using Care2Connect.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Care2Connect.Tests.Integration;

/// <summary>
/// The status endpoints in a host of their own (history and status page only, a fake live state, the store on a
/// temporary path): the checks engine's probes stay out of it. Events reach the database through the sink and
/// the real background writer.
/// </summary>
public sealed class StatusPageTests : IAsyncLifetime
{
    private const string HostileName = "<b>tunnel</b>";

    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 30, 0, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "c2c-status-test-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly FakeTimeProvider _time = new(Now);
    private readonly FakeMonitorState _state = new()
    {
        Fault = Fault.TunnelDown,
        Maintenance = new MaintenanceStatus(true, "<i>upgrade</i>", Now.AddMinutes(-5)),
        Components =
        [
            new ComponentSnapshot("api", "http", ComponentState.Up, Now.AddHours(-3), 42.5, Now.AddSeconds(-10), null, 0, 12, false),
            new ComponentSnapshot(HostileName, "tunnel-ready", ComponentState.Down, Now.AddMinutes(-4), null, Now.AddSeconds(-5), "connection refused", 4, 0, true),
            new ComponentSnapshot("public-site", "http", ComponentState.Unknown, null, null, null, null, 0, 0, false),
        ],
    };

    private WebApplication? _app;
    private HttpClient? _client;

    private HttpClient Client => _client ?? throw new InvalidOperationException("Not initialised.");

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Configuration[$"{HistoryOptions.Section}:DatabasePath"] = Path.Combine(_directory, "monitor.db");
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton<IMonitorState>(_state);
        builder.AddMonitorHistory();
        _app = builder.Build();
        _app.MapStatusPage();
        await _app.StartAsync();
        _client = _app.GetTestClient();

        var sink = _app.Services.GetRequiredService<IMonitorSink>();
        await sink.OnObservationAsync(new Observation("api", Now.AddHours(-2), true, 40, null), default);
        await sink.OnObservationAsync(new Observation("api", Now.AddHours(-1), true, 45, null), default);
        await sink.OnObservationAsync(new Observation("api", Now.AddMinutes(-30), false, null, "timeout"), default);
        await sink.OnObservationAsync(new Observation("api", Now.AddSeconds(-10), true, 42.5, null), default);
        await sink.OnObservationAsync(new Observation(HostileName, Now.AddMinutes(-4), false, null, "connection refused"), default);
        await sink.OnTransitionAsync(new Transition(HostileName, ComponentState.Up, ComponentState.Down, Now.AddMinutes(-4), "4 consecutive failures", Fault.TunnelDown), default);
        await sink.OnRecoveryRequestAsync(new RecoveryRequestRecord(Now.AddMinutes(-3), ["database"], "api unhealthy", 429, "cooldown", TimeSpan.FromSeconds(120), null, "cooling down"), default);

        var store = _app.Services.GetRequiredService<HistoryStore>();
        await Eventually.HoldsAsync(
            async () => (await store.RecentRecoveryRequestsAsync(1, default)).Count == 1 && (await store.UptimeAsync(TimeSpan.FromDays(1), default)).Count == 2,
            "the history writer writes what the sink queued",
            TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Api_status_joins_the_live_state_with_the_history()
    {
        using var response = await Client.GetAsync("/api/status");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        AssertSecurityHeaders(response);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("down", root.GetProperty("status").GetString());
        Assert.Equal("tunnel-down", root.GetProperty("fault").GetString());
        Assert.True(root.GetProperty("maintenance").GetProperty("active").GetBoolean());
        Assert.Equal(Now, root.GetProperty("checkedAt").GetDateTimeOffset());

        var components = root.GetProperty("components").EnumerateArray().ToList();
        Assert.Equal(["api", HostileName, "public-site"], components.Select(component => component.GetProperty("name").GetString()));
        var api = components[0];
        Assert.Equal("http", api.GetProperty("check").GetString());
        Assert.Equal("up", api.GetProperty("state").GetString());
        Assert.Equal(Now.AddHours(-3), api.GetProperty("since").GetDateTimeOffset());
        Assert.Equal(42.5, api.GetProperty("lastLatencyMs").GetDouble());
        Assert.Equal(Now.AddSeconds(-10), api.GetProperty("lastCheckedAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, api.GetProperty("lastError").ValueKind);
        Assert.Equal(0.75, api.GetProperty("uptime24h").GetDouble());
        Assert.Equal(0.75, api.GetProperty("uptime7d").GetDouble());
        Assert.False(api.GetProperty("autoRecoveryPaused").GetBoolean());
        Assert.Equal(0.0, components[1].GetProperty("uptime24h").GetDouble());
        Assert.True(components[1].GetProperty("autoRecoveryPaused").GetBoolean());
        Assert.Equal("connection refused", components[1].GetProperty("lastError").GetString());
        Assert.Equal(JsonValueKind.Null, components[2].GetProperty("uptime24h").ValueKind);

        var transition = Assert.Single(root.GetProperty("transitions").EnumerateArray());
        Assert.Equal((HostileName, "up", "down", "tunnel-down"), (
            transition.GetProperty("component").GetString(),
            transition.GetProperty("from").GetString(),
            transition.GetProperty("to").GetString(),
            transition.GetProperty("fault").GetString()));

        var request = Assert.Single(root.GetProperty("recoveryRequests").EnumerateArray());
        Assert.Equal(("cooldown", 429, 120.0), (
            request.GetProperty("outcome").GetString(),
            request.GetProperty("statusCode").GetInt32(),
            request.GetProperty("retryAfterSeconds").GetDouble()));
        Assert.Equal(["database"], request.GetProperty("components").EnumerateArray().Select(component => component.GetString()));
    }

    [Fact]
    public async Task Status_page_is_plain_html_with_a_strict_policy_and_every_value_encoded()
    {
        using var response = await Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        AssertSecurityHeaders(response);
        var html = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("style=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<meta name=\"viewport\"", html, StringComparison.Ordinal);
        Assert.Contains("<link rel=\"stylesheet\" href=\"/status.css\">", html, StringComparison.Ordinal);

        Assert.DoesNotContain(HostileName, html, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;tunnel&lt;/b&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>upgrade</i>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;i&gt;upgrade&lt;/i&gt;", html, StringComparison.Ordinal);
        Assert.Contains("<h3>api</h3>", html, StringComparison.Ordinal);
        Assert.Contains("<h3>public-site</h3>", html, StringComparison.Ordinal);

        Assert.Contains("Fault: <strong>tunnel-down</strong>", html, StringComparison.Ordinal);
        Assert.Contains("Maintenance", html, StringComparison.Ordinal);
        Assert.Contains("class=\"tile state-down\"", html, StringComparison.Ordinal);
        Assert.Contains(">DOWN<", html, StringComparison.Ordinal); // the state as a word, not only a colour
        Assert.Equal(24 * 2, CountOf(html, "<rect ")); // public-site has no observations yet: a sentence instead of bars
        Assert.Contains("<polyline points=", html, StringComparison.Ordinal);
        Assert.Contains("4 consecutive failures", html, StringComparison.Ordinal);
        Assert.Contains("COOLDOWN", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stylesheet_is_served_as_css_with_the_same_headers()
    {
        using var response = await Client.GetAsync(StatusHtml.StylesheetPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/css", response.Content.Headers.ContentType?.MediaType);
        AssertSecurityHeaders(response);
        Assert.Contains(".tile.state-down", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_still_shows_the_live_state_when_the_history_is_unreadable()
    {
        SqliteConnection.ClearAllPools();
        File.WriteAllText(Path.Combine(_directory, "monitor.db"), "not a database");
        File.Delete(Path.Combine(_directory, "monitor.db-wal"));
        File.Delete(Path.Combine(_directory, "monitor.db-shm"));

        using var response = await Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("History is unavailable", html, StringComparison.Ordinal);
        Assert.Contains("<h3>api</h3>", html, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        Assert.Equal(
            "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Contains("camera=()", Assert.Single(response.Headers.GetValues("Permissions-Policy")), StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoStore);
    }

    private static int CountOf(string text, string value)
    {
        var count = 0;
        for (var index = text.IndexOf(value, StringComparison.Ordinal); index >= 0; index = text.IndexOf(value, index + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private sealed class FakeMonitorState : IMonitorState
    {
        public IReadOnlyList<ComponentSnapshot> Components { get; init; } = [];

        public Fault Fault { get; init; }

        public MaintenanceStatus Maintenance { get; init; } = new(false, null, null);
    }
}
