using Npgsql;

namespace Care2Connect.Api.Data.Resilience;

/// <summary>
/// Closes the connection pool once the host has stopped, i.e. after in-flight requests have finished (or, past the
/// shutdown timeout, been cancelled and rolled back): the server sees clean disconnects, not dropped sockets.
/// </summary>
internal sealed class DatabaseShutdown(IHostApplicationLifetime lifetime, ILogger<DatabaseShutdown> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopped.Register(() =>
        {
            NpgsqlConnection.ClearAllPools();
            Log.ConnectionPoolClosed(logger);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
