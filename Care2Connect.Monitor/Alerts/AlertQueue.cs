using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Care2Connect.Monitor.Alerts;

/// <summary>
/// One bounded queue per channel (webhook or email), so a channel that is down (and being retried) never delays the
/// others. Writing never waits: when a queue is full the oldest alert in it is dropped and logged.
/// </summary>
internal sealed class AlertQueue
{
    private readonly ChannelQueue[] _queues;

    public AlertQueue(IOptions<AlertOptions> options, IHttpClientFactory clients, ILogger<AlertQueue> logger)
    {
        var capacity = options.Value.QueueCapacity;
        _queues =
        [
            .. AlertChannels.Create(options.Value, clients).Select(channel => new ChannelQueue(
                channel,
                Channel.CreateBounded<Alert>(
                    new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
                    dropped => Log.AlertDropped(logger, channel.Label, dropped.Kind, dropped.Component)))),
        ];
    }

    public IReadOnlyList<ChannelQueue> Channels => _queues;

    public void Enqueue(Alert alert)
    {
        foreach (var queue in _queues)
        {
            if (queue.Channel.Accepts(alert.Kind))
            {
                queue.Alerts.Writer.TryWrite(alert);
            }
        }
    }

    internal sealed record ChannelQueue(IAlertChannel Channel, Channel<Alert> Alerts);
}
