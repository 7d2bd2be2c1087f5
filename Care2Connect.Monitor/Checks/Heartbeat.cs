using Microsoft.Extensions.Options;

namespace Care2Connect.Monitor.Checks;

/// <summary>
/// Pushes a GET to <see cref="MonitorOptions.HeartbeatUrl"/> every <see cref="MonitorOptions.HeartbeatInterval"/>
/// (a dead man's switch such as healthchecks.io): when the Monitor, or the whole machine, is gone, the pushes stop
/// and the outside service raises the alarm. Never retried: the next beat is the retry.
/// </summary>
internal sealed class Heartbeat(IHttpClientFactory clients, IOptions<MonitorOptions> options, TimeProvider time, ILogger<Heartbeat> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.HeartbeatUrl is not { } url)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, time);
        try
        {
            do
            {
                using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                bounded.CancelAfter(options.Value.DefaultTimeout);
                try
                {
                    using var response = await clients.CreateClient(CheckEngine.ProbeClient).GetAsync(url, bounded.Token);
                    if (!response.IsSuccessStatusCode)
                    {
                        Log.HeartbeatFailed(logger, $"answered {(int)response.StatusCode}");
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
                {
                    Log.HeartbeatFailed(logger, exception.GetType().Name);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
