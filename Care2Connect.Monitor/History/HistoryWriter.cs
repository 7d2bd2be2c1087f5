namespace Care2Connect.Monitor.History;

/// <summary>Writes what the <see cref="HistoryStore"/> queued, as it arrives; on shutdown, whatever is left.</summary>
internal sealed class HistoryWriter(HistoryStore store) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (await store.WaitForQueuedAsync(stoppingToken))
        {
            // Not cancelled by shutdown: a batch taken from the queue is written, not lost halfway.
            await store.FlushAsync(CancellationToken.None);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Registered before the checks engine, this stops after it: the last transitions reach the disk.
        await store.FlushAsync(cancellationToken);
    }
}
