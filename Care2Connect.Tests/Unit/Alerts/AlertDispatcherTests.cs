using Care2Connect.Monitor;
using Care2Connect.Monitor.Alerts;
using Care2Connect.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Care2Connect.Tests.Unit.Alerts;

public sealed class AlertDispatcherTests
{
    private const string Api = "api-liveness";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly FakeTimeProvider _time = new(AlertsHost.Start);

    [Fact]
    public async Task Down_then_up_sends_a_down_alert_then_a_resolved_notice_that_says_how_long()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_time);
        await using var alerts = await AlertsHost.StartAsync(_time, (receiver, "Json"));

        await alerts.Transition(Api, ComponentState.Up, ComponentState.Down, "3 probes failed", Fault.OriginDown);
        await alerts.DeliveredAsync(1);
        _time.Advance(TimeSpan.FromMinutes(29) + TimeSpan.FromSeconds(58));
        await alerts.Transition(Api, ComponentState.Down, ComponentState.Up, "2 probes passed");
        await alerts.DeliveredAsync(2);

        var bodies = receiver.Delivered.Select(request => request.Json).ToList();
        Assert.Equal(["down", "up"], bodies.Select(body => body.GetProperty("kind").GetString()));
        Assert.Equal(
            "api-liveness is DOWN since 12:01:02Z (3 probes failed) — likely fault: origin down (the API is not answering)",
            bodies[0].GetProperty("message").GetString());
        Assert.Equal(
            "api-liveness is UP again since 12:31:00Z (resolved: it was DOWN for 29m 58s, since 12:01:02Z)",
            bodies[1].GetProperty("message").GetString());
    }

    [Fact]
    public async Task The_json_body_has_the_documented_shape()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_time);
        await using var alerts = await AlertsHost.StartAsync(_time, (receiver, "Json"));

        await alerts.Transition(Api, ComponentState.Up, ComponentState.Down, "timeout", Fault.OriginDown);
        await alerts.DeliveredAsync(1);

        var request = Assert.Single(receiver.Delivered);
        Assert.Equal("POST", request.Method);
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        var body = request.Json;
        Assert.Equal(
            ["kind", "component", "state", "since", "at", "fault", "message", "source"],
            body.EnumerateObject().Select(property => property.Name));
        Assert.Equal("down", body.GetProperty("kind").GetString());
        Assert.Equal(Api, body.GetProperty("component").GetString());
        Assert.Equal("down", body.GetProperty("state").GetString());
        Assert.Equal(AlertsHost.Start, body.GetProperty("since").GetDateTimeOffset());
        Assert.Equal(AlertsHost.Start, body.GetProperty("at").GetDateTimeOffset());
        Assert.Equal("origin-down", body.GetProperty("fault").GetString());
        Assert.Contains("api-liveness is DOWN since 12:01:02Z", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("care2connect-monitor", body.GetProperty("source").GetString());
    }

    [Fact]
    public async Task The_slack_body_is_an_incoming_webhook_message_with_markup_characters_escaped()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_time);
        await using var alerts = await AlertsHost.StartAsync(_time, (receiver, "Slack"));

        await alerts.Transition("public-site", ComponentState.Up, ComponentState.Down, "HTTP 502 <Bad Gateway> & no body", Fault.EdgeOrDns);
        await alerts.DeliveredAsync(1);

        var body = Assert.Single(receiver.Delivered).Json;
        Assert.Equal(["text", "blocks"], body.EnumerateObject().Select(property => property.Name));
        var text = body.GetProperty("text").GetString()!;
        Assert.Contains("public-site is DOWN since 12:01:02Z (HTTP 502 &lt;Bad Gateway&gt; &amp; no body)", text, StringComparison.Ordinal);
        Assert.Contains("likely fault: edge or DNS", text, StringComparison.Ordinal);
        var block = Assert.Single(body.GetProperty("blocks").EnumerateArray());
        Assert.Equal("section", block.GetProperty("type").GetString());
        Assert.Equal("mrkdwn", block.GetProperty("text").GetProperty("type").GetString());
        var markdown = block.GetProperty("text").GetProperty("text").GetString()!;
        Assert.Contains("&lt;Bad Gateway&gt; &amp; no body", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("<Bad", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_webhook_failing_twice_gets_the_alert_on_the_third_attempt_after_doubling_delays()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_time, failFirst: 2);
        await using var alerts = await AlertsHost.StartAsync(_time, (receiver, "Json"));

        await alerts.Transition(Api, ComponentState.Up, ComponentState.Down, fault: Fault.OriginDown);
        await Eventually.HoldsAsync(() => Task.FromResult(receiver.Requests.Count == 1), "first attempt", Wait);
        await alerts.AdvanceUntilAsync(() => receiver.Requests.Count == 3, TimeSpan.FromMilliseconds(100), "third attempt");
        await alerts.DeliveredAsync(1);

        var attempts = receiver.Requests;
        Assert.Equal([false, false, true], attempts.Select(request => request.Answered200));

        // At least the backoff (2 s, then 4 s); the upper bounds allow for the fake clock moving on while the sender
        // is between its failed request and its delay.
        Assert.InRange(attempts[1].At - attempts[0].At, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6));
        Assert.InRange(attempts[2].At - attempts[1].At, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(10));
        Assert.All(attempts, request => Assert.Equal(attempts[0].Body, request.Body));
        Assert.Contains("(attempt 3)", Assert.Single(alerts.LogLines(" sent to ")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rate_limited_webhook_is_tried_again_after_its_retry_after_not_the_shorter_backoff()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_time, failFirst: 1, retryAfterSeconds: 30);
        await using var alerts = await AlertsHost.StartAsync(_time, (receiver, "Discord"));

        await alerts.Transition(Api, ComponentState.Up, ComponentState.Down, fault: Fault.OriginDown);
        await Eventually.HoldsAsync(() => Task.FromResult(receiver.Requests.Count == 1), "first attempt", Wait);
        await alerts.AdvanceUntilAsync(() => receiver.Requests.Count == 2, TimeSpan.FromMilliseconds(250), "second attempt");
        await alerts.DeliveredAsync(1);

        // Discord asked for 30 s; the backoff alone would have tried again after 2 s (+ jitter). The upper bound allows
        // for the fake clock moving on while the second request is on its way.
        var attempts = receiver.Requests;
        Assert.Equal([false, true], attempts.Select(request => request.Answered200));
        Assert.InRange(attempts[1].At - attempts[0].At, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(45));
        Assert.Contains("(HTTP 429); next attempt in 00:00:30", Assert.Single(alerts.Logs, line => line.Contains("failed on attempt 1", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_retry_after_longer_than_the_limit_is_cut_to_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_time, failFirst: 1, retryAfterSeconds: 3600);
        await using var alerts = await AlertsHost.StartAsync(_time, new Dictionary<string, string?>
        {
            ["Monitor:Alerts:Webhooks:0:Url"] = receiver.Url.ToString(),
            ["Monitor:Alerts:MaxRetryAfter"] = "00:00:20",
        });

        await alerts.Transition(Api, ComponentState.Up, ComponentState.Down, fault: Fault.OriginDown);
        await Eventually.HoldsAsync(() => Task.FromResult(receiver.Requests.Count == 1), "first attempt", Wait);
        await alerts.AdvanceUntilAsync(() => receiver.Requests.Count == 2, TimeSpan.FromMilliseconds(250), "second attempt");
        await alerts.DeliveredAsync(1);

        // 20 s, not the hour asked for (nor the 2 s backoff).
        var attempts = receiver.Requests;
        Assert.InRange(attempts[1].At - attempts[0].At, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(35));
    }

    [Fact]
    public async Task A_webhook_that_always_fails_never_blocks_the_sink_and_attempts_stop_at_max_attempts()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_time, failFirst: int.MaxValue);
        await using var alerts = await AlertsHost.StartAsync(_time, (receiver, "Json"));

        var down = alerts.Transition(Api, ComponentState.Up, ComponentState.Down);
        Assert.True(down.IsCompletedSuccessfully, "the sink returned before the webhook answered");
        await Eventually.HoldsAsync(() => Task.FromResult(receiver.Requests.Count == 1), "first attempt", Wait);
        var up = alerts.Transition(Api, ComponentState.Down, ComponentState.Up);
        Assert.True(up.IsCompletedSuccessfully, "the sink returned while the webhook was being retried");

        // Five attempts for each of the two alerts: 2 + 4 + 8 + 16 s of backoff (+ jitter) each.
        await alerts.AdvanceUntilAsync(() => receiver.Requests.Count == 10, TimeSpan.FromMilliseconds(500), "ten attempts");
        await alerts.AdvanceUntilAsync(() => alerts.LogLines("not delivered").Count == 2, TimeSpan.FromMilliseconds(500), "both given up");
        for (var minute = 0; minute < 10; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            await Task.Delay(20);
        }

        Assert.Equal(10, receiver.Requests.Count);
        Assert.Empty(receiver.Delivered);
        Assert.All(
            alerts.LogLines("not delivered"),
            line => Assert.EndsWith("to 127.0.0.1 after 5 attempts: HTTP 500", line, StringComparison.Ordinal));
        Assert.DoesNotContain("secret-token", File.ReadAllText(alerts.LogPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reminders_come_every_interval_while_down_and_stop_after_up()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_time);
        await using var alerts = await AlertsHost.StartAsync(_time, (receiver, "Json"));

        await alerts.Transition(Api, ComponentState.Up, ComponentState.Down, fault: Fault.OriginDown);
        await alerts.DeliveredAsync(1);
        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Empty(alerts.LogLines("alert reminder: "));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(alerts.LogLines("alert reminder: "));
        await alerts.DeliveredAsync(2);
        _time.Advance(TimeSpan.FromMinutes(60));
        Assert.Equal(2, alerts.LogLines("alert reminder: ").Count);
        await alerts.DeliveredAsync(3);
        await alerts.Transition(Api, ComponentState.Down, ComponentState.Up);
        await alerts.DeliveredAsync(4);
        _time.Advance(TimeSpan.FromHours(3));

        Assert.Equal(2, alerts.LogLines("alert reminder: ").Count);
        var bodies = receiver.Delivered.Select(request => request.Json).ToList();
        Assert.Equal(["down", "reminder", "reminder", "up"], bodies.Select(body => body.GetProperty("kind").GetString()));
        Assert.Equal(
            "api-liveness is still DOWN since 12:01:02Z (1h 00m so far) — likely fault: origin down (the API is not answering)",
            bodies[1].GetProperty("message").GetString());
        Assert.Equal(AlertsHost.Start, bodies[2].GetProperty("since").GetDateTimeOffset());
    }

    [Fact]
    public async Task An_engine_alert_restarts_the_reminder_interval_and_is_sent_as_it_comes()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_time);
        await using var alerts = await AlertsHost.StartAsync(_time, (receiver, "Json"));

        await alerts.Transition(Api, ComponentState.Up, ComponentState.Down, fault: Fault.OriginDown);
        await alerts.DeliveredAsync(1);
        _time.Advance(TimeSpan.FromMinutes(30));
        await alerts.Dispatcher.OnAlertAsync(
            new Alert(AlertKind.Flapping, Api, _time.GetUtcNow(), "api-liveness is flapping: automatic recovery paused", Fault.OriginDown, ComponentState.Down, AlertsHost.Start),
            CancellationToken.None);
        await alerts.DeliveredAsync(2);
        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.Empty(alerts.LogLines("alert reminder: "));
        _time.Advance(TimeSpan.FromMinutes(1));
        await alerts.DeliveredAsync(3);

        var bodies = receiver.Delivered.Select(request => request.Json).ToList();
        Assert.Equal(["down", "flapping", "reminder"], bodies.Select(body => body.GetProperty("kind").GetString()));
        Assert.Equal("api-liveness is flapping: automatic recovery paused", bodies[1].GetProperty("message").GetString());
    }

    [Fact]
    public async Task Maintenance_suppresses_every_alert()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_time);
        await using var alerts = await AlertsHost.StartAsync(_time, (receiver, "Json"));

        alerts.Maintenance.Set(true, "upgrade");
        await alerts.Transition(Api, ComponentState.Up, ComponentState.Down);
        _time.Advance(TimeSpan.FromMinutes(60));
        await alerts.Dispatcher.OnAlertAsync(
            new Alert(AlertKind.RecoveryFailed, Api, _time.GetUtcNow(), "recovery failed", Fault.None, ComponentState.Down, AlertsHost.Start),
            CancellationToken.None);
        alerts.Maintenance.Set(false, null);
        await alerts.Transition("sentinel", ComponentState.Up, ComponentState.Down);
        await alerts.DeliveredAsync(1);

        Assert.Equal("sentinel", Assert.Single(receiver.Requests).Json.GetProperty("component").GetString());
        Assert.Equal(3, alerts.LogLines("not sent (maintenance)").Count);
    }

    [Fact]
    public async Task The_first_verdict_after_start_unknown_to_up_sends_nothing()
    {
        await using var receiver = await WebhookReceiver.StartAsync(_time);
        await using var alerts = await AlertsHost.StartAsync(_time, (receiver, "Json"));

        await alerts.Transition(Api, ComponentState.Unknown, ComponentState.Up);
        await alerts.Transition("database", ComponentState.Unknown, ComponentState.Up);
        await alerts.Transition("sentinel", ComponentState.Up, ComponentState.Down);
        await alerts.DeliveredAsync(1);

        Assert.Equal("sentinel", Assert.Single(receiver.Requests).Json.GetProperty("component").GetString());
        Assert.Empty(alerts.LogLines("alert up"));
        Assert.Single(alerts.LogLines("alert down: "));
    }

    [Fact]
    public async Task Each_webhook_gets_each_alert_in_its_own_format()
    {
        await using var json = await WebhookReceiver.StartAsync(_time);
        await using var slack = await WebhookReceiver.StartAsync(_time);
        await using var alerts = await AlertsHost.StartAsync(_time, (json, "Json"), (slack, "Slack"));

        await alerts.Transition(Api, ComponentState.Up, ComponentState.Down);
        await alerts.DeliveredAsync(2);

        Assert.Equal("down", Assert.Single(json.Delivered).Json.GetProperty("kind").GetString());
        Assert.StartsWith("DOWN: api-liveness is DOWN", Assert.Single(slack.Delivered).Json.GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/relative/hook")]
    [InlineData("ftp://example.com/hook")]
    public async Task A_webhook_that_is_not_an_absolute_http_address_fails_at_start(string url)
    {
        using var host = AlertsHost.Build(_time, Path.GetTempPath(), [new("Monitor:Alerts:Webhooks:0:Url", url)]);

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Monitor:Alerts:Webhooks:0:Url", failure.Message, StringComparison.Ordinal);
    }
}
