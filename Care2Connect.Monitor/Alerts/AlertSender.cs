using System.Text;
using System.Threading.Channels;
using Care2Connect.Monitor.Checks;
using Microsoft.Extensions.Options;

namespace Care2Connect.Monitor.Alerts;

/// <summary>
/// Delivers queued alerts, one loop per webhook. A failed POST (an exception, a timeout, a non-2xx answer) is tried
/// again up to <see cref="AlertOptions.MaxAttempts"/> times, waiting <see cref="AlertOptions.BaseDelay"/>, then twice
/// as long each time, plus a little jitter. This loop is the only retry: the webhook client has no resilience handler.
/// </summary>
internal sealed class AlertSender(
    AlertQueue queue,
    IHttpClientFactory clients,
    IOptions<AlertOptions> options,
    MonitorLogFile file,
    TimeProvider time,
    ILogger<AlertSender> logger) : BackgroundService
{
    public const string WebhookClient = "alert-webhooks";

    private const double MaxJitter = 0.1;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (queue.Webhooks.Count == 0)
        {
            Log.NoAlertWebhooks(logger);
            return Task.CompletedTask;
        }

        return Task.WhenAll(queue.Webhooks.Select(webhook => DeliverEachAsync(webhook.Webhook, webhook.Alerts.Reader, stoppingToken)));
    }

    private async Task DeliverEachAsync(AlertWebhook webhook, ChannelReader<Alert> alerts, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var alert in alerts.ReadAllAsync(stoppingToken))
            {
                await DeliverAsync(webhook, alert, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task DeliverAsync(AlertWebhook webhook, Alert alert, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var url = webhook.Url!;
        var body = webhook.Format == WebhookFormat.Slack ? AlertPayloads.Slack(alert) : AlertPayloads.Json(alert);
        for (var attempt = 1; ; attempt++)
        {
            var failure = await PostAsync(url, body, settings.RequestTimeout, stoppingToken);
            if (failure is null)
            {
                Log.AlertDelivered(logger, alert.Kind, alert.Component, url.Host, attempt);
                file.AlertDelivered(alert, url.Host, attempt);
                return;
            }

            if (attempt >= settings.MaxAttempts)
            {
                Log.AlertUndelivered(logger, alert.Kind, alert.Component, url.Host, attempt, failure);
                file.AlertUndelivered(alert, url.Host, attempt, failure);
                return;
            }

            var delay = settings.BaseDelay * Math.Pow(2, attempt - 1) * (1 + (Random.Shared.NextDouble() * MaxJitter));
            Log.AlertAttemptFailed(logger, alert.Kind, alert.Component, url.Host, attempt, failure, delay);
            await Task.Delay(delay, time, stoppingToken);
        }
    }

    /// <returns>Null when delivered, else what went wrong (never the URL: a webhook's path can be its secret).</returns>
    private async Task<string?> PostAsync(Uri url, string body, TimeSpan timeout, CancellationToken stoppingToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timer.Token);
        try
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await clients.CreateClient(WebhookClient).PostAsync(url, content, linked.Token);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return $"no answer within {timeout.TotalSeconds:0.#} s";
        }
        catch (HttpRequestException exception)
        {
            return exception.HttpRequestError.ToString();
        }
    }
}
