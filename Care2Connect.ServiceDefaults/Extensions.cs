using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Care2Connect service shares: OpenTelemetry, health checks, service discovery and resilient
/// HTTP clients. Services call <see cref="AddServiceDefaults{TBuilder}"/> and <see cref="MapDefaultEndpoints"/>.
/// </summary>
public static class Extensions
{
    /// <summary>Liveness: the process only. Never depends on the database or any other dependency.</summary>
    public const string AlivePath = "/alive";

    /// <summary>Readiness: every registered health check.</summary>
    public const string HealthPath = "/health";

    /// <summary>Tag for health checks that belong to liveness.</summary>
    public const string LiveTag = "live";

    /// <summary>Prefix of every meter and activity source the services own.</summary>
    public const string TelemetryPrefix = "Care2Connect.";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // Retries, timeouts and a breaker for every outgoing HttpClient. Clients that must see each
            // failure (probes) or must not repeat a request (POSTs with side effects) opt out by name.
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TelemetryPrefix + "*"))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TelemetryPrefix + "*")
                .AddAspNetCoreInstrumentation(aspnet =>
                    // Probes hit these every few seconds; tracing them would drown the real traffic.
                    aspnet.Filter = context => !IsProbePath(context.Request.Path.Value))
                .AddHttpClientInstrumentation(http =>
                    http.FilterHttpRequestMessage = request => !IsProbePath(request.RequestUri?.AbsolutePath)));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// Maps <c>/alive</c> and <c>/health</c> in every environment: the AppHost, the Monitor and any load
    /// balancer rely on them in production too. The bodies carry the status word only, never exception text.
    /// </summary>
    /// <param name="app">The application.</param>
    /// <param name="configureAlive">
    /// Conventions for the <c>/alive</c> endpoint only, e.g. metadata that lets it answer where <c>/health</c>
    /// must not (the API serves <c>/alive</c> on its public listener and <c>/health</c> on its internal one).
    /// </param>
    public static WebApplication MapDefaultEndpoints(this WebApplication app, Action<IEndpointConventionBuilder>? configureAlive = null)
    {
        var alive = app.MapHealthChecks(AlivePath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
        }).DisableHttpMetrics();
        configureAlive?.Invoke(alive);

        app.MapHealthChecks(HealthPath).DisableHttpMetrics();

        return app;
    }

    // Exact matches only: /health/status and friends carry real work and stay traced.
    private static bool IsProbePath(string? path) =>
        string.Equals(path, AlivePath, StringComparison.OrdinalIgnoreCase)
        || string.Equals(path, HealthPath, StringComparison.OrdinalIgnoreCase);
}
