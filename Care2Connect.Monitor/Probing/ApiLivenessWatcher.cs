using Microsoft.Extensions.Options;

namespace Care2Connect.Monitor.Probing;

/// <summary>
/// Watches the API's liveness from outside and logs every change. The probe client has no retries or
/// resilience handler: a failure must be seen, not hidden.
/// </summary>
internal sealed class ApiLivenessWatcher(
    IHttpClientFactory clients,
    IOptions<ApiProbeOptions> options,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<ApiLivenessWatcher> logger) : BackgroundService
{
    public const string ProbeClient = "probe";

    private bool? _lastAlive;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var baseAddress = options.Value.BaseAddress ?? configuration.GetValue<Uri?>("services:api:http:0");
        if (baseAddress is null)
        {
            Log.NoApiAddress(logger);
            return;
        }

        using var timer = new PeriodicTimer(options.Value.Interval, time);
        try
        {
            do
            {
                await ProbeAsync(new Uri(baseAddress, "/alive"), stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task ProbeAsync(Uri target, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(options.Value.Timeout);
        bool alive;
        try
        {
            using var response = await clients.CreateClient(ProbeClient).GetAsync(target, timeout.Token);
            alive = response.IsSuccessStatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
        {
            alive = false;
        }

        if (alive != _lastAlive)
        {
            if (alive)
            {
                Log.ApiUp(logger, target);
            }
            else
            {
                Log.ApiDown(logger, target);
            }

            _lastAlive = alive;
        }
    }
}
