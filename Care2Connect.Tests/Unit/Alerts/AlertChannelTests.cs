using OpenTelemetry.Trace;
using Care2Connect.Monitor;
using Care2Connect.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Care2Connect.Tests.Unit.Alerts;

/// <summary>
/// Email (through MailKit, to a real SMTP server the test runs on loopback) and Discord (to a real local webhook)
/// beside JSON and Slack: same alerts, same per-channel queue and backoff, per-channel settings, no secret in a log.
/// </summary>
public sealed class AlertChannelTests
{
    private const string Api = "api-liveness";
    private const string SmtpPassword = "smtp-password-8d1f";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private readonly FakeTimeProvider _time = new(AlertsHost.Start);

    [Fact]
    public async Task An_email_alert_reaches_the_smtp_server_with_its_sender_recipients_subject_and_body()
    {
        await using var smtp = SmtpReceiver.Start();
        await using var alerts = await AlertsHost.StartAsync(_time, Email(smtp, login: true));

        await alerts.Transition(Api, ComponentState.Up, ComponentState.Down, "3 probes failed", Fault.OriginDown);
        await alerts.DeliveredAsync(1);
        _time.Advance(TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(10));
        await alerts.Transition(Api, ComponentState.Down, ComponentState.Up, "2 probes passed");
        await alerts.DeliveredAsync(2);

        Assert.Equal(2, smtp.Messages.Count);
        var down = smtp.Messages[0];
        Assert.Equal("monitor", down.User);
        Assert.Equal(SmtpPassword, down.Password);
        Assert.Equal("monitor@example.org", down.EnvelopeFrom);
        Assert.Equal(["ops@example.org", "oncall@example.org"], down.EnvelopeTo);
        var from = Assert.Single(down.Message.From.Mailboxes);
        Assert.Equal(("Care2Connect Monitor", "monitor@example.org"), (from.Name, from.Address));
        Assert.Equal(["ops@example.org", "oncall@example.org"], down.Message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("[Care2Connect] DOWN: api-liveness", down.Message.Subject);
        Assert.Equal(AlertsHost.Start, down.Message.Date);
        Assert.StartsWith(
            "api-liveness is DOWN since 12:01:02Z (3 probes failed) — likely fault: origin down (the API is not answering)",
            down.Text,
            StringComparison.Ordinal);
        Assert.Contains("State:        DOWN", down.Text, StringComparison.Ordinal);
        Assert.Contains("Since:        2026-03-10 12:01:02Z", down.Text, StringComparison.Ordinal);
        Assert.Contains("Likely fault: origin-down", down.Text, StringComparison.Ordinal);

        var up = smtp.Messages[1];
        Assert.Equal("[Care2Connect] Resolved: api-liveness", up.Message.Subject);
        Assert.StartsWith(
            "api-liveness is UP again since 12:05:12Z (resolved: it was DOWN for 4m 10s, since 12:01:02Z)",
            up.Text,
            StringComparison.Ordinal);
        Assert.Contains(" sent to 127.0.0.1 (email) (attempt 1)", Assert.Single(alerts.LogLines("alert down for api-liveness sent to")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_smtp_server_refusing_twice_gets_the_email_on_the_third_attempt_after_doubling_delays()
    {
        await using var smtp = SmtpReceiver.Start(refuseFirstMessages: 2);
        await using var alerts = await AlertsHost.StartAsync(_time, Email(smtp, login: false));

        var down = alerts.Transition(Api, ComponentState.Up, ComponentState.Down);
        Assert.True(down.IsCompletedSuccessfully, "the sink returned before the SMTP server answered");
        await Eventually.HoldsAsync(() => Task.FromResult(smtp.Attempts == 1), "first attempt", Wait);
        var started = _time.GetUtcNow();
        await alerts.AdvanceUntilAsync(() => smtp.Attempts == 2, TimeSpan.FromMilliseconds(100), "second attempt");
        var second = _time.GetUtcNow();
        await alerts.AdvanceUntilAsync(() => smtp.Attempts == 3, TimeSpan.FromMilliseconds(100), "third attempt");
        await alerts.DeliveredAsync(1);

        Assert.InRange(second - started, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6));
        Assert.InRange(_time.GetUtcNow() - second, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(10));
        Assert.Equal("[Care2Connect] DOWN: api-liveness", Assert.Single(smtp.Messages).Message.Subject);
        Assert.Contains(alerts.Logs, line => line.Contains("[7403]", StringComparison.Ordinal) && line.Contains("SMTP 451", StringComparison.Ordinal));
        Assert.Contains("(attempt 3)", Assert.Single(alerts.LogLines(" sent to ")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_discord_body_has_content_and_one_embed_and_pings_nobody()
    {
        await using var discord = await WebhookReceiver.StartAsync(_time);
        await using var alerts = await AlertsHost.StartAsync(_time, (discord, "Discord"));

        await alerts.Transition("public-site", ComponentState.Up, ComponentState.Down, "HTTP 502 *bad_gateway* @everyone", Fault.EdgeOrDns);
        await alerts.DeliveredAsync(1);

        var request = Assert.Single(discord.Delivered);
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        var body = request.Json;
        Assert.Equal(["content", "embeds", "allowed_mentions"], body.EnumerateObject().Select(property => property.Name));
        Assert.Empty(body.GetProperty("allowed_mentions").GetProperty("parse").EnumerateArray());
        var content = body.GetProperty("content").GetString()!;
        Assert.StartsWith("**DOWN**: public-site is DOWN since 12:01:02Z (HTTP 502 \\*bad\\_gateway\\* @everyone)", content, StringComparison.Ordinal);
        Assert.True(content.Length <= 2000);

        var embed = Assert.Single(body.GetProperty("embeds").EnumerateArray());
        Assert.Equal("DOWN · public-site", embed.GetProperty("title").GetString());
        Assert.Contains("likely fault: edge or DNS", embed.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(0xD1242F, embed.GetProperty("color").GetInt32());
        Assert.Equal(AlertsHost.Start, embed.GetProperty("timestamp").GetDateTimeOffset());
        Assert.Equal("care2connect-monitor", embed.GetProperty("footer").GetProperty("text").GetString());
        var fields = embed.GetProperty("fields").EnumerateArray()
            .ToDictionary(field => field.GetProperty("name").GetString()!, field => field.GetProperty("value").GetString());
        Assert.Equal("public-site", fields["Component"]);
        Assert.Equal("DOWN", fields["State"]);
        Assert.Equal("12:01:02Z", fields["Since"]);
        Assert.Equal("edge-or-dns", fields["Likely fault"]);
    }

    [Fact]
    public async Task Json_slack_discord_and_email_each_get_the_same_alerts_and_a_channel_may_take_only_some_kinds()
    {
        await using var json = await WebhookReceiver.StartAsync(_time);
        await using var discord = await WebhookReceiver.StartAsync(_time);
        await using var smtp = SmtpReceiver.Start();
        await using var alerts = await AlertsHost.StartAsync(_time,
        [
            new("Monitor:Alerts:Webhooks:0:Url", json.Url.ToString()),
            new("Monitor:Alerts:Webhooks:1:Url", discord.Url.ToString()),
            new("Monitor:Alerts:Webhooks:1:Format", "Discord"),
            .. Email(smtp, login: false),

            // The email channel only for the news that needs a person: DOWN and flapping.
            new("Monitor:Alerts:Email:0:Kinds:0", "Down"),
            new("Monitor:Alerts:Email:0:Kinds:1", "Flapping"),
        ]);

        await alerts.Transition(Api, ComponentState.Up, ComponentState.Down, fault: Fault.OriginDown);
        await alerts.DeliveredAsync(3);
        _time.Advance(TimeSpan.FromMinutes(60));
        await alerts.DeliveredAsync(5);
        await alerts.Transition(Api, ComponentState.Down, ComponentState.Up);
        await alerts.DeliveredAsync(7);

        Assert.Equal(["down", "reminder", "up"], json.Delivered.Select(request => request.Json.GetProperty("kind").GetString()));
        Assert.Equal(
            ["DOWN · api-liveness", "Still DOWN · api-liveness", "Resolved · api-liveness"],
            discord.Delivered.Select(request => request.Json.GetProperty("embeds")[0].GetProperty("title").GetString()));
        Assert.Equal(["[Care2Connect] DOWN: api-liveness"], smtp.Messages.Select(mail => mail.Message.Subject));
    }

    [Fact]
    public async Task Maintenance_suppresses_email_and_discord_too()
    {
        await using var discord = await WebhookReceiver.StartAsync(_time);
        await using var smtp = SmtpReceiver.Start();
        await using var alerts = await AlertsHost.StartAsync(_time,
        [
            new("Monitor:Alerts:Webhooks:0:Url", discord.Url.ToString()),
            new("Monitor:Alerts:Webhooks:0:Format", "Discord"),
            .. Email(smtp, login: false),
        ]);

        alerts.Maintenance.Set(true, "upgrade");
        await alerts.Transition(Api, ComponentState.Up, ComponentState.Down);
        alerts.Maintenance.Set(false, null);
        await alerts.Transition("sentinel", ComponentState.Up, ComponentState.Down);
        await alerts.DeliveredAsync(2);

        Assert.Equal("[Care2Connect] DOWN: sentinel", Assert.Single(smtp.Messages).Message.Subject);
        Assert.Equal("DOWN · sentinel", Assert.Single(discord.Delivered).Json.GetProperty("embeds")[0].GetProperty("title").GetString());
    }

    [Fact]
    public async Task No_secret_reaches_a_log_line_or_the_log_file_whether_delivery_fails_or_succeeds()
    {
        // Each channel fails once (a 500, a refused login), then delivers: every log path is taken.
        await using var discord = await WebhookReceiver.StartAsync(_time, failFirst: 1);
        await using var slack = await WebhookReceiver.StartAsync(_time, failFirst: 1);
        await using var smtp = SmtpReceiver.Start(refuseFirstLogins: 1);
        await using var alerts = await AlertsHost.StartAsync(_time,
        [
            new("Monitor:Alerts:Webhooks:0:Url", discord.Url.ToString()),
            new("Monitor:Alerts:Webhooks:0:Format", "Discord"),
            new("Monitor:Alerts:Webhooks:1:Url", slack.Url.ToString()),
            new("Monitor:Alerts:Webhooks:1:Format", "Slack"),
            .. Email(smtp, login: true),
        ]);

        await alerts.Transition(Api, ComponentState.Up, ComponentState.Down, fault: Fault.OriginDown);
        await alerts.AdvanceUntilAsync(() => alerts.LogLines(" sent to ").Count == 3, TimeSpan.FromMilliseconds(100), "all three delivered");

        var logs = string.Join('\n', alerts.Logs);
        var file = File.ReadAllText(alerts.LogPath);
        Assert.Contains("SMTP authentication refused", logs, StringComparison.Ordinal);
        Assert.Contains("HTTP 500", logs, StringComparison.Ordinal);
        Assert.Contains("[7402]", logs, StringComparison.Ordinal);
        foreach (var secret in new[] { SmtpPassword, "secret-token", discord.Url.AbsolutePath, slack.Url.AbsolutePath })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, file, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("To", null, "Monitor:Alerts:Email:0:To needs at least one address.")]
    [InlineData("From", "not an address", "Monitor:Alerts:Email:0:From must be one email address.")]
    [InlineData("Host", "smtp.example.org", "Monitor:Alerts:Email:0:Tls None would send the password in clear to another machine")]
    [InlineData("CertificateSha256", "not-hex", "Monitor:Alerts:Email:0:CertificateSha256 must be 64 hex digits")]
    [InlineData("CertificateSha256", "AB:CD", "Monitor:Alerts:Email:0:CertificateSha256 must be 64 hex digits")]
    public async Task A_misconfigured_email_channel_fails_at_start_without_showing_its_password(string key, string? value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Monitor:Alerts:Email:0:Host"] = "127.0.0.1",
            ["Monitor:Alerts:Email:0:Port"] = "2525",
            ["Monitor:Alerts:Email:0:Tls"] = "None",
            ["Monitor:Alerts:Email:0:Username"] = "monitor",
            ["Monitor:Alerts:Email:0:Password"] = SmtpPassword,
            ["Monitor:Alerts:Email:0:From"] = "monitor@example.org",
            ["Monitor:Alerts:Email:0:To:0"] = "ops@example.org",
        };
        settings.Remove($"Monitor:Alerts:Email:0:{key}" + (key == "To" ? ":0" : ""));
        if (value is not null)
        {
            settings[key == "To" ? "Monitor:Alerts:Email:0:To:0" : $"Monitor:Alerts:Email:0:{key}"] = value;
        }

        using var host = AlertsHost.Build(_time, Path.GetTempPath(), settings);

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SmtpPassword, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("StartTls", false)]
    [InlineData("SslOnConnect", true)]
    public async Task Over_tls_to_a_pinned_certificate_the_email_and_the_password_travel_only_encrypted(string tls, bool implicitTls)
    {
        using var certificate = SmtpReceiver.CreateCertificate();
        await using var smtp = SmtpReceiver.Start(certificate: certificate, implicitTls: implicitTls);
        var fingerprint = Convert.ToHexString(certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256));
        await using var alerts = await AlertsHost.StartAsync(_time, Email(smtp, login: true, tls, fingerprint));

        await alerts.Transition(Api, ComponentState.Up, ComponentState.Down, "3 probes failed", Fault.OriginDown);
        await alerts.DeliveredAsync(1);

        var mail = Assert.Single(smtp.Messages);
        Assert.True(mail.Encrypted, "the message came over TLS");
        Assert.Equal(SmtpPassword, mail.Password);
        Assert.All(smtp.Logins, login => Assert.True(login.Encrypted, "every AUTH came after TLS started"));
        Assert.Equal("[Care2Connect] DOWN: api-liveness", mail.Message.Subject);
    }

    [Fact]
    public async Task A_certificate_no_authority_signed_and_nobody_pinned_is_refused_before_the_password_is_sent()
    {
        using var certificate = SmtpReceiver.CreateCertificate();
        await using var smtp = SmtpReceiver.Start(certificate: certificate);
        await using var alerts = await AlertsHost.StartAsync(_time, Email(smtp, login: true, "StartTls"));

        await alerts.Transition(Api, ComponentState.Up, ComponentState.Down, "3 probes failed", Fault.OriginDown);
        await Eventually.HoldsAsync(
            () => Task.FromResult(alerts.Logs.Any(line => line.Contains("failed on attempt 1 (TLS handshake failed)", StringComparison.Ordinal))),
            "the first attempt fails on the certificate",
            Wait);

        Assert.Empty(smtp.Logins);
        Assert.Empty(smtp.Messages);
    }

    [Fact]
    public async Task Starttls_required_by_a_server_that_does_not_offer_it_sends_nothing_in_clear()
    {
        await using var smtp = SmtpReceiver.Start();
        await using var alerts = await AlertsHost.StartAsync(_time, Email(smtp, login: true, "StartTls"));

        await alerts.Transition(Api, ComponentState.Up, ComponentState.Down, "3 probes failed", Fault.OriginDown);
        await Eventually.HoldsAsync(
            () => Task.FromResult(alerts.Logs.Any(line => line.Contains("failed on attempt 1 (the SMTP server does not offer what is configured", StringComparison.Ordinal))),
            "the first attempt fails for want of STARTTLS",
            Wait);

        Assert.Empty(smtp.Logins);
        Assert.Equal(0, smtp.Attempts);
    }

    private static KeyValuePair<string, string?>[] Email(SmtpReceiver smtp, bool login, string tls = "None", string? certificateSha256 = null) =>
    [
        new("Monitor:Alerts:Email:0:Host", "127.0.0.1"),
        new("Monitor:Alerts:Email:0:Port", smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Monitor:Alerts:Email:0:Tls", tls),
        new("Monitor:Alerts:Email:0:CertificateSha256", certificateSha256),
        new("Monitor:Alerts:Email:0:From", "Care2Connect Monitor <monitor@example.org>"),
        new("Monitor:Alerts:Email:0:To:0", "ops@example.org"),
        new("Monitor:Alerts:Email:0:To:1", "oncall@example.org"),
        .. login
            ? new KeyValuePair<string, string?>[] { new("Monitor:Alerts:Email:0:Username", "monitor"), new("Monitor:Alerts:Email:0:Password", SmtpPassword) }
            : [],
    ];
}

/// <summary>A webhook's address is its secret: the alert's POST must not become a span whose <c>url.full</c> carries it.</summary>
public sealed class AlertTracingTests
{
    [Fact]
    public async Task A_webhook_post_makes_no_span_while_other_http_calls_still_do()
    {
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var tracing = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
            .AddHttpClientInstrumentation()
            .AddProcessor(new CollectingProcessor(spans))
            .Build();
        var time = new FakeTimeProvider(AlertsHost.Start);
        await using var discord = await WebhookReceiver.StartAsync(time);
        await using var alerts = await AlertsHost.StartAsync(time, (discord, "Discord"));

        await alerts.Transition("api-liveness", ComponentState.Up, ComponentState.Down);
        await alerts.DeliveredAsync(1);

        // The control: an ordinary call to the same server is traced, so the listener above works.
        using (var client = new HttpClient())
        {
            using var response = await client.GetAsync(new Uri(discord.Url, "/control"));
        }

        tracing.ForceFlush();
        var urls = spans.Select(span => span.GetTagItem("url.full") as string ?? "").ToList();
        Assert.Contains(urls, url => url.EndsWith("/control", StringComparison.Ordinal));
        Assert.DoesNotContain(urls, url => url.Contains("secret-token", StringComparison.Ordinal));
        Assert.Single(discord.Delivered, request => request.Method == "POST");
    }

    private sealed class CollectingProcessor(System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity> spans)
        : OpenTelemetry.BaseProcessor<System.Diagnostics.Activity>
    {
        public override void OnEnd(System.Diagnostics.Activity data) => spans.Enqueue(data);
    }
}
