using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Care2Connect.Monitor.History;

/// <summary>Deletes history older than <see cref="HistoryOptions.Retention"/>: at start, then every <see cref="HistoryOptions.PruneInterval"/>.</summary>
internal sealed class HistoryPruner(HistoryStore store, IOptions<HistoryOptions> options, TimeProvider time, ILogger<HistoryPruner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PruneInterval, time);
        try
        {
            do
            {
                try
                {
                    await store.PruneAsync(stoppingToken);
                }
                catch (Exception exception) when (exception is SqliteException or IOException or UnauthorizedAccessException)
                {
                    Log.HistoryPruneFailed(logger, exception);
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
