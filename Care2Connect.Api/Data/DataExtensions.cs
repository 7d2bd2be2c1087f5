using Microsoft.EntityFrameworkCore;

namespace Care2Connect.Api.Data;

internal static class DataExtensions
{
    /// <summary>The Aspire resource (and connection string) name of the database.</summary>
    public const string ConnectionName = "care2connect";

    public static IHostApplicationBuilder AddCareData(this IHostApplicationBuilder builder)
    {
        // Registers a pooled DbContext, Npgsql tracing and metrics, and a DbContext readiness check.
        builder.AddNpgsqlDbContext<CareDbContext>(ConnectionName);

        builder.Services.AddOptions<DatabaseMigrationOptions>()
            .BindConfiguration(DatabaseMigrationOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<MigrationState>();
        builder.Services.AddHostedService<DatabaseMigrator>();
        builder.Services.AddHealthChecks().AddCheck<MigrationHealthCheck>("migrations");
        return builder;
    }
}
