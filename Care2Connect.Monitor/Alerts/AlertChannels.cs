using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using OpenTelemetry;

namespace Care2Connect.Monitor.Alerts;

/// <summary>One place alerts go: a webhook or an email channel. Each has its own queue and delivery loop.</summary>
internal interface IAlertChannel
{
    /// <summary>How logs name the channel: a host, never a secret (a webhook's path, a password).</summary>
    string Label { get; }

    bool Accepts(AlertKind kind);

    /// <summary>One delivery attempt. Returns null when delivered, else what went wrong (without any secret).</summary>
    Task<DeliveryFailure?> SendAsync(Alert alert, CancellationToken cancellationToken);
}

/// <summary>Why an attempt failed (never a secret), and when the receiver asked to be tried again, if it did.</summary>
internal sealed record DeliveryFailure(string Reason, TimeSpan? RetryAfter = null)
{
    public static implicit operator DeliveryFailure(string reason) => new(reason);
}

internal static class AlertChannels
{
    public static IReadOnlyList<IAlertChannel> Create(AlertOptions options, IHttpClientFactory clients) =>
    [
        .. options.Webhooks.Select(webhook => (IAlertChannel)new WebhookChannel(webhook, clients)),
        .. options.Email.Select(email => (IAlertChannel)new EmailChannel(email, options.RequestTimeout)),
    ];
}

/// <summary>POSTs the alert to a webhook in its format (JSON, Slack, Discord).</summary>
internal sealed class WebhookChannel(AlertWebhook webhook, IHttpClientFactory clients) : IAlertChannel
{
    public const string ClientName = "alert-webhooks";

    public string Label => webhook.Url!.Host;

    public bool Accepts(AlertKind kind) => webhook.Accepts(kind);

    public async Task<DeliveryFailure?> SendAsync(Alert alert, CancellationToken cancellationToken)
    {
        var body = webhook.Format switch
        {
            WebhookFormat.Slack => AlertPayloads.Slack(alert),
            WebhookFormat.Discord => AlertPayloads.Discord(alert),
            _ => AlertPayloads.Json(alert),
        };

        // No span for this call: its url.full would carry the webhook's secret path into the traces.
        using var untraced = SuppressInstrumentationScope.Begin();
        try
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await clients.CreateClient(ClientName).PostAsync(webhook.Url, content, cancellationToken);
            return response.IsSuccessStatusCode ? null : new DeliveryFailure($"HTTP {(int)response.StatusCode}", RetryAfter(response));
        }
        catch (HttpRequestException exception)
        {
            return exception.HttpRequestError.ToString();
        }
    }

    /// <summary>
    /// A rate-limited (429) or unavailable (503) answer's <c>Retry-After</c>: seconds (Discord, Slack) or a date.
    /// Any other answer, or none, leaves the sender's backoff in charge.
    /// </summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.StatusCode is not (System.Net.HttpStatusCode.TooManyRequests or System.Net.HttpStatusCode.ServiceUnavailable)
            || response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        var wait = retryAfter.Delta ?? (retryAfter.Date - (response.Headers.Date ?? DateTimeOffset.UtcNow));
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }
}

/// <summary>
/// Sends the alert as a plain-text email through SMTP (MailKit): connect with the configured TLS mode, authenticate
/// when a username is set, send, quit. A new connection per alert: alerts are rare, and a kept connection would go
/// stale between them.
/// </summary>
internal sealed class EmailChannel(AlertEmail email, TimeSpan timeout) : IAlertChannel
{
    public string Label { get; } = $"{email.Host} (email)";

    public bool Accepts(AlertKind kind) => email.Accepts(kind);

    public async Task<DeliveryFailure?> SendAsync(Alert alert, CancellationToken cancellationToken)
    {
        using var message = AlertPayloads.Email(alert, email);
        using var client = new SmtpClient { Timeout = (int)timeout.TotalMilliseconds };
        if (email.PinnedCertificate() is { } pinned)
        {
            client.ServerCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None
                || (certificate is not null && certificate.GetCertHash(HashAlgorithmName.SHA256).AsSpan().SequenceEqual(pinned));
        }

        try
        {
            await client.ConnectAsync(email.Host!, email.Port, Secure(email.Tls), cancellationToken);
            if (!string.IsNullOrEmpty(email.Username))
            {
                await client.AuthenticateAsync(email.Username, email.Password ?? "", cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
            return null;
        }

        // Summaries from codes and types only: a server's reply text may echo what it was sent.
        catch (AuthenticationException)
        {
            return "SMTP authentication refused";
        }
        catch (SmtpCommandException exception)
        {
            return $"SMTP {(int)exception.StatusCode} ({exception.ErrorCode})";
        }
        catch (SslHandshakeException)
        {
            return "TLS handshake failed";
        }
        catch (SmtpProtocolException)
        {
            return "SMTP protocol error";
        }
        catch (SocketException exception)
        {
            return $"SMTP connection failed ({exception.SocketErrorCode})";
        }
        catch (NotSupportedException)
        {
            return "the SMTP server does not offer what is configured (STARTTLS or AUTH)";
        }
        catch (Exception exception) when (exception is IOException or ServiceNotConnectedException or ProtocolException)
        {
            return $"SMTP connection lost ({exception.GetType().Name})";
        }
    }

    private static SecureSocketOptions Secure(SmtpTlsMode mode) => mode switch
    {
        SmtpTlsMode.SslOnConnect => SecureSocketOptions.SslOnConnect,
        SmtpTlsMode.StartTlsWhenAvailable => SecureSocketOptions.StartTlsWhenAvailable,
        SmtpTlsMode.None => SecureSocketOptions.None,
        _ => SecureSocketOptions.StartTls,
    };
}
