using Microsoft.Extensions.Options;
using System.ComponentModel.DataAnnotations;
using System.Net;
using MimeKit;

namespace Care2Connect.Monitor.Alerts;

/// <summary>
/// Where and how alerts go (section <c>Monitor:Alerts</c>): webhooks (JSON, Slack, Discord) and email (SMTP). Every
/// webhook and every email entry is a channel with a queue of its own. No channel: alerts reach the logs only.
/// </summary>
internal sealed class AlertOptions : IValidatableObject
{
    public const string Section = "Monitor:Alerts";

    public List<AlertWebhook> Webhooks { get; } = [];

    /// <summary>Email channels, each with its own SMTP server, sender and recipients (<c>Monitor:Alerts:Email:0:Host</c>).</summary>
    public List<AlertEmail> Email { get; } = [];

    /// <summary>While a component stays DOWN, a reminder this long after the last alert for it.</summary>
    [TimeSpanRange("00:00:01", "7.00:00:00")]
    public TimeSpan ReminderInterval { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>Deliveries per alert and channel, the first included.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before the second attempt; it doubles for each further one (plus up to 10 % jitter).</summary>
    [TimeSpanRange("00:00:00.010", "00:10:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The longest a channel's own "retry after" (a webhook's 429 or 503 with <c>Retry-After</c>, as Discord and Slack
    /// send when rate limiting) is honoured instead of <see cref="BaseDelay"/>'s backoff; a longer one is cut to this.
    /// </summary>
    [TimeSpanRange("00:00:01", "01:00:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Upper bound for one delivery attempt (a POST, or a whole SMTP conversation).</summary>
    [TimeSpanRange("00:00:00.100", "00:01:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Alerts waiting per channel; when full, the oldest is dropped (and logged).</summary>
    [Range(1, 100_000)]
    public int QueueCapacity { get; set; } = 500;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < Webhooks.Count; i++)
        {
            // Never the address itself in a message: a webhook's path is its secret.
            if (Webhooks[i].Url is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                yield return new ValidationResult(
                    $"Monitor:Alerts:Webhooks:{i}:Url must be an absolute http or https address.",
                    [nameof(Webhooks)]);
            }
        }

        for (var i = 0; i < Email.Count; i++)
        {
            foreach (var problem in Email[i].Problems())
            {
                yield return new ValidationResult($"Monitor:Alerts:Email:{i}:{problem}", [nameof(Email)]);
            }
        }
    }
}

/// <summary>What every channel may set for itself.</summary>
internal abstract class AlertChannelOptions
{
    /// <summary>The alert kinds this channel gets (<c>Down</c>, <c>Up</c>, <c>Reminder</c>, <c>Flapping</c>, <c>RecoveryFailed</c>); empty: all.</summary>
    public List<AlertKind> Kinds { get; } = [];

    public bool Accepts(AlertKind kind) => Kinds.Count == 0 || Kinds.Contains(kind);
}

internal sealed class AlertWebhook : AlertChannelOptions
{
    /// <summary>May carry a secret (a Slack or Discord webhook's path is its key): logs name the host only.</summary>
    public Uri? Url { get; set; }

    public WebhookFormat Format { get; set; } = WebhookFormat.Json;
}

internal enum WebhookFormat
{
    /// <summary>The generic JSON body (<see cref="AlertPayloads.Json"/>).</summary>
    Json,

    /// <summary>A Slack incoming-webhook message (<see cref="AlertPayloads.Slack"/>).</summary>
    Slack,

    /// <summary>A Discord webhook message: <c>content</c> and one embed (<see cref="AlertPayloads.Discord"/>).</summary>
    Discord,
}

/// <summary>How the SMTP connection is secured (MailKit's <c>SecureSocketOptions</c>, the ones that make sense here).</summary>
internal enum SmtpTlsMode
{
    /// <summary>Plain connection, then <c>STARTTLS</c>; fails if the server does not offer it (port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,

    /// <summary><c>STARTTLS</c> when the server offers it, else plain.</summary>
    StartTlsWhenAvailable,

    /// <summary>No TLS at all: only for a relay on this machine (a password is then refused unless the host is loopback).</summary>
    None,
}

/// <summary>One email channel (<c>Monitor:Alerts:Email:&lt;i&gt;</c>).</summary>
internal sealed class AlertEmail : AlertChannelOptions
{
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    public SmtpTlsMode Tls { get; set; } = SmtpTlsMode.StartTls;

    /// <summary>Optional; with it, the client authenticates (and <see cref="Password"/> is needed).</summary>
    public string? Username { get; set; }

    /// <summary>A secret: never logged, never in a validation message.</summary>
    public string? Password { get; set; }

    /// <summary>The sender, e.g. <c>Care2Connect Monitor &lt;monitor@example.org&gt;</c>.</summary>
    public string? From { get; set; }

    public List<string> To { get; } = [];

    /// <summary>Put before every subject.</summary>
    public string SubjectPrefix { get; set; } = "[Care2Connect]";

    /// <summary>
    /// Optional: the SHA-256 fingerprint (hex, colons allowed) of the server's own certificate, for a relay whose
    /// certificate no public authority signed. That one certificate is then accepted as well; without it, the server's
    /// certificate must be valid for <see cref="Host"/> and chain to a trusted root.
    /// </summary>
    public string? CertificateSha256 { get; set; }

    /// <summary><see cref="CertificateSha256"/> as bytes, or null when unset or not 32 hex bytes.</summary>
    public byte[]? PinnedCertificate() =>
        string.IsNullOrWhiteSpace(CertificateSha256) ? null : TryHex(CertificateSha256.Replace(":", "", StringComparison.Ordinal).Trim());

    /// <summary>Problems as "Key: what is wrong", without any configured value (some are secret).</summary>
    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(Host))
        {
            yield return "Host is required.";
        }

        if (Port is < 1 or > 65535)
        {
            yield return "Port must be between 1 and 65535.";
        }

        if (!MailboxAddress.TryParse(From ?? "", out _))
        {
            yield return "From must be one email address.";
        }

        if (To.Count == 0)
        {
            yield return "To needs at least one address.";
        }

        for (var i = 0; i < To.Count; i++)
        {
            if (!MailboxAddress.TryParse(To[i] ?? "", out _))
            {
                yield return $"To:{i} is not an email address.";
            }
        }

        if (!string.IsNullOrEmpty(Username) && string.IsNullOrEmpty(Password))
        {
            yield return "Password is required with a Username.";
        }

        if (!string.IsNullOrEmpty(Password) && Tls == SmtpTlsMode.None && !IsLoopback(Host))
        {
            yield return "Tls None would send the password in clear to another machine; use StartTls or SslOnConnect.";
        }

        if (!string.IsNullOrWhiteSpace(CertificateSha256) && PinnedCertificate() is null)
        {
            yield return "CertificateSha256 must be 64 hex digits (a SHA-256 fingerprint).";
        }
    }

    private static byte[]? TryHex(string hex)
    {
        try
        {
            var bytes = Convert.FromHexString(hex);
            return bytes.Length == 32 ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool IsLoopback(string? host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
}

/// <summary><see cref="AlertOptions"/>'s data annotations, checked by code generated at build time instead of by reflection, so the Monitor compiles ahead of time.</summary>
[OptionsValidator]
internal sealed partial class AlertOptionsValidator : IValidateOptions<AlertOptions>;
