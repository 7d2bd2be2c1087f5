using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Care2Connect.Monitor.Alerts;

/// <summary>
/// Delivers queued alerts, one loop per channel. A failed attempt (an exception, a timeout, a non-2xx answer, an SMTP
/// error) is tried again up to <see cref="AlertOptions.MaxAttempts"/> times, waiting <see cref="AlertOptions.BaseDelay"/>,
/// then twice as long each time, plus a little jitter; when the receiver says when to come back (a webhook's 429 or 503
/// with <c>Retry-After</c>, how Discord and Slack rate-limit), that wait is honoured instead, up to
/// <see cref="AlertOptions.MaxRetryAfter"/>. This loop is the only retry: the webhook client has no resilience handler,
/// and the SMTP client none of its own.
/// </summary>
internal sealed class AlertSender(
    AlertQueue queue,
    IOptions<AlertOptions> options,
    MonitorLogFile file,
    TimeProvider time,
    ILogger<AlertSender> logger) : BackgroundService
{
    public const string WebhookClient = WebhookChannel.ClientName;

    private const double MaxJitter = 0.1;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (queue.Channels.Count == 0)
        {
            Log.NoAlertWebhooks(logger);
            return Task.CompletedTask;
        }

        return Task.WhenAll(queue.Channels.Select(channel => DeliverEachAsync(channel.Channel, channel.Alerts.Reader, stoppingToken)));
    }

    private async Task DeliverEachAsync(IAlertChannel channel, ChannelReader<Alert> alerts, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var alert in alerts.ReadAllAsync(stoppingToken))
            {
                await DeliverAsync(channel, alert, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task DeliverAsync(IAlertChannel channel, Alert alert, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        for (var attempt = 1; ; attempt++)
        {
            var failure = await AttemptAsync(channel, alert, settings.RequestTimeout, stoppingToken);
            if (failure is null)
            {
                Log.AlertDelivered(logger, alert.Kind, alert.Component, channel.Label, attempt);
                file.AlertDelivered(alert, channel.Label, attempt);
                return;
            }

            if (attempt >= settings.MaxAttempts)
            {
                Log.AlertUndelivered(logger, alert.Kind, alert.Component, channel.Label, attempt, failure.Reason);
                file.AlertUndelivered(alert, channel.Label, attempt, failure.Reason);
                return;
            }

            var delay = failure.RetryAfter is { } asked
                ? (asked < settings.MaxRetryAfter ? asked : settings.MaxRetryAfter)
                : settings.BaseDelay * Math.Pow(2, attempt - 1) * (1 + (Random.Shared.NextDouble() * MaxJitter));
            Log.AlertAttemptFailed(logger, alert.Kind, alert.Component, channel.Label, attempt, failure.Reason, delay);
            await Task.Delay(delay, time, stoppingToken);
        }
    }

    /// <returns>Null when delivered, else what went wrong (never the channel's secrets: a webhook's path, a password).</returns>
    private async Task<DeliveryFailure?> AttemptAsync(IAlertChannel channel, Alert alert, TimeSpan timeout, CancellationToken stoppingToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timer.Token);
        try
        {
            return await channel.SendAsync(alert, linked.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return $"no answer within {timeout.TotalSeconds:0.#} s";
        }
    }
}
