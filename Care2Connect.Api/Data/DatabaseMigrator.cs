using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Data;

/// <summary>What the migrator has achieved so far; read by the readiness check.</summary>
internal sealed class MigrationState
{
    private readonly TaskCompletionSource _applied = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool Applied => _applied.Task.IsCompleted;

    /// <summary>Completes once the schema is current: work that needs the tables waits for it.</summary>
    public Task WhenApplied => _applied.Task;

    public void MarkApplied() => _applied.TrySetResult();
}

/// <summary>
/// Applies EF Core migrations in the background, so the API starts (and answers <c>/alive</c>) while the
/// database is still down. Each attempt runs inside the execution strategy, as one unit; failed attempts
/// are retried after <see cref="DatabaseMigrationOptions.RetryDelay"/> until one succeeds.
/// </summary>
internal sealed class DatabaseMigrator(
    IServiceScopeFactory scopes,
    MigrationState state,
    IOptions<DatabaseMigrationOptions> options,
    TimeProvider time,
    ILogger<DatabaseMigrator> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<CareDbContext>();
                var strategy = db.Database.CreateExecutionStrategy();
                await strategy.ExecuteAsync(db, static (context, ct) => context.Database.MigrateAsync(ct), stoppingToken);
                state.MarkApplied();
                Log.MigrationsApplied(logger, attempt);
                return;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                Log.MigrationAttemptFailed(logger, attempt, options.Value.RetryDelay, exception);
            }

            try
            {
                await Task.Delay(options.Value.RetryDelay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

internal sealed class MigrationHealthCheck(MigrationState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.Applied
            ? HealthCheckResult.Healthy("Database migrations are applied.")
            : new HealthCheckResult(context.Registration.FailureStatus, "Database migrations have not been applied yet."));
}
