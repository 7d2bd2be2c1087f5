using System.ComponentModel.DataAnnotations;

namespace Care2Connect.Monitor.Alerts;

/// <summary>Where and how alerts go (section <c>Monitor:Alerts</c>). No webhooks: alerts reach the log only.</summary>
internal sealed class AlertOptions : IValidatableObject
{
    public const string Section = "Monitor:Alerts";

    public List<AlertWebhook> Webhooks { get; } = [];

    /// <summary>While a component stays DOWN, a reminder this long after the last alert for it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan ReminderInterval { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>POSTs per alert and webhook, the first included.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before the second attempt; it doubles for each further one (plus up to 10 % jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Alerts waiting per webhook; when full, the oldest is dropped (and logged).</summary>
    [Range(1, 100_000)]
    public int QueueCapacity { get; set; } = 500;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < Webhooks.Count; i++)
        {
            if (Webhooks[i].Url is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                yield return new ValidationResult(
                    $"Monitor:Alerts:Webhooks:{i}:Url must be an absolute http or https address.",
                    [nameof(Webhooks)]);
            }
        }
    }
}

internal sealed class AlertWebhook
{
    /// <summary>May carry a secret (a Slack webhook's path is its key): logs name the host only.</summary>
    public Uri? Url { get; set; }

    public WebhookFormat Format { get; set; } = WebhookFormat.Json;
}

internal enum WebhookFormat
{
    /// <summary>The generic JSON body (<see cref="AlertPayloads.Json"/>).</summary>
    Json,

    /// <summary>A Slack incoming-webhook message (<see cref="AlertPayloads.Slack"/>).</summary>
    Slack,
}
