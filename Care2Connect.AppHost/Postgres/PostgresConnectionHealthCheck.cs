using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Care2Connect.AppHost.Postgres;

/// <summary>
/// Healthy when a connection to the given database opens and answers <c>SELECT 1</c>. The connection string
/// is supplied late (once the orchestrator has allocated the endpoint); until then the check is unhealthy.
/// </summary>
internal sealed class PostgresConnectionHealthCheck(Func<string?> connectionString, TimeSpan timeout) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (connectionString() is not { } value)
        {
            return HealthCheckResult.Unhealthy("The connection string is not available yet.");
        }

        var builder = new NpgsqlConnectionStringBuilder(value)
        {
            Timeout = Math.Max(1, (int)timeout.TotalSeconds),
            Pooling = false,
        };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cts.Token);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cts.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            // The message only: a connection string (with its password) must never reach a health report.
            return HealthCheckResult.Unhealthy($"{builder.Host}:{builder.Port}/{builder.Database}: {exception.GetType().Name}");
        }
    }
}
