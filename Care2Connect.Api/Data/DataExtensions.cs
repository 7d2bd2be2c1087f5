namespace Care2Connect.Api.Data;

internal static class DataExtensions
{
    /// <summary>The Aspire resource (and connection string) name of the database.</summary>
    public const string ConnectionName = "care2connect";

    public static IHostApplicationBuilder AddCareData(this IHostApplicationBuilder builder)
    {
        // A pooled DbContext with Npgsql tracing and metrics. Aspire's own DbContext health check goes through
        // the retrying execution strategy and the full connect timeout, so a probe during an outage would hang:
        // readiness uses DatabaseHealthCheck instead.
        builder.AddNpgsqlDbContext<CareDbContext>(ConnectionName, settings => settings.DisableHealthChecks = true);

        builder.Services.AddOptions<DatabaseHealthCheckOptions>()
            .BindConfiguration(DatabaseHealthCheckOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddOptions<DatabaseMigrationOptions>()
            .BindConfiguration(DatabaseMigrationOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<MigrationState>();
        builder.Services.AddHostedService<DatabaseMigrator>();
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database")
            .AddCheck<MigrationHealthCheck>("migrations");
        return builder;
    }
}
