using Care2Connect.Api.Data.Resilience;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Care2Connect.Api.Data;

internal static class DataExtensions
{
    /// <summary>The Aspire resource (and connection string) name of the database.</summary>
    public const string ConnectionName = "care2connect";

    /// <summary>What the API calls itself on the server (<c>pg_stat_activity.application_name</c>).</summary>
    public const string ApplicationName = "care2connect-api";

    public static IHostApplicationBuilder AddCareData(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseResilienceOptions>()
            .BindConfiguration(DatabaseResilienceOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var resilience = builder.Configuration.GetSection(DatabaseResilienceOptions.Section).Get<DatabaseResilienceOptions>() ?? new();

        // A pooled DbContext with Npgsql tracing and metrics. Aspire's retrying strategy is off: retries belong to
        // ResilientDatabase, which retries whole units of work and never a timed-out command. Aspire's DbContext
        // health check is off too: it retries and waits the full connect timeout, so readiness would hang.
        builder.AddNpgsqlDbContext<CareDbContext>(ConnectionName, settings =>
        {
            settings.DisableRetry = true;
            settings.DisableHealthChecks = true;
            settings.CommandTimeout = (int)Math.Ceiling(resilience.CommandTimeout.TotalSeconds);
            if (!string.IsNullOrEmpty(settings.ConnectionString))
            {
                var connection = new NpgsqlConnectionStringBuilder(settings.ConnectionString)
                {
                    Timeout = (int)Math.Ceiling(resilience.ConnectTimeout.TotalSeconds),
                };
                connection.ApplicationName ??= ApplicationName;
                settings.ConnectionString = connection.ConnectionString;
            }
        });
        builder.Services.ConfigureDbContext<CareDbContext>((services, options) =>
            options.AddInterceptors(services.GetRequiredService<SlowQueryInterceptor>(), services.GetRequiredService<DatabaseFailureInterceptor>()));

        builder.Services.AddSingleton<DatabaseMetrics>();
        builder.Services.AddSingleton<DatabaseCircuitBreaker>();
        builder.Services.AddSingleton<ResilientDatabase>();
        builder.Services.AddSingleton<SlowQueryLog>();
        builder.Services.AddSingleton<ConnectionPoolStatistics>();
        builder.Services.AddSingleton<DatabaseProbe>();
        builder.Services.AddSingleton<SlowQueryInterceptor>();
        builder.Services.AddSingleton<DatabaseFailureInterceptor>();
        builder.Services.AddHostedService<DatabaseShutdown>();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = resilience.ShutdownTimeout);

        builder.Services.AddOptions<DatabaseMigrationOptions>()
            .BindConfiguration(DatabaseMigrationOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<MigrationState>();
        builder.Services.AddHostedService<DatabaseMigrator>();

        builder.Services.AddOptions<DatabaseHealthCheckOptions>()
            .BindConfiguration(DatabaseHealthCheckOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database")
            .AddCheck<MigrationHealthCheck>("migrations");
        return builder;
    }
}
