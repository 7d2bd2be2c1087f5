using System.Threading.Channels;
using Care2Connect.Monitor.Checks;
using Microsoft.Extensions.Options;

namespace Care2Connect.Monitor.Alerts;

/// <summary>
/// One bounded queue per webhook, so a webhook that is down (and being retried) never delays the others. Writing
/// never waits: when a queue is full the oldest alert in it is dropped and logged.
/// </summary>
internal sealed class AlertQueue
{
    private readonly WebhookQueue[] _queues;

    public AlertQueue(IOptions<AlertOptions> options, ILogger<AlertQueue> logger)
    {
        var capacity = options.Value.QueueCapacity;
        _queues =
        [
            .. options.Value.Webhooks.Select(webhook => new WebhookQueue(
                webhook,
                Channel.CreateBounded<Alert>(
                    new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
                    dropped => Log.AlertDropped(logger, webhook.Url!.Host, dropped.Kind, dropped.Component)))),
        ];
    }

    public IReadOnlyList<WebhookQueue> Webhooks => _queues;

    public void Enqueue(Alert alert)
    {
        foreach (var queue in _queues)
        {
            queue.Alerts.Writer.TryWrite(alert);
        }
    }

    internal sealed record WebhookQueue(AlertWebhook Webhook, Channel<Alert> Alerts);
}
