using Care2Connect.Api.SpeechIntelligence;

namespace Care2Connect.Api.Recovery;

internal static class RecoveryExtensions
{
    /// <summary>
    /// The component registry, the recovery service, its history, cooldown and periodic check. The components include
    /// the speech intelligence job host: <see cref="SpeechIntelligenceExtensions.AddSpeechIntelligence"/> registers it.
    /// </summary>
    public static IHostApplicationBuilder AddRecovery(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RecoveryOptions>()
            .BindConfiguration(RecoveryOptions.Section)
            .ValidateDataAnnotations()
            .Validate(
                options => options.Dependencies.Values.All(d => d.Url is { IsAbsoluteUri: true, Scheme: "http" or "https" } && d.Timeout > TimeSpan.Zero),
                "Every Recovery:Dependencies entry needs an absolute http(s) Url and a positive Timeout.")
            .ValidateOnStart();

        // Recovery order: the database, then the breaker that guards it, then the job host that uses both.
        builder.Services.AddSingleton<IRecoverableComponent, DatabaseComponent>();
        builder.Services.AddSingleton<IRecoverableComponent, CircuitBreakerComponent>();
        builder.Services.AddSingleton<IRecoverableComponent, SpeechIntelligenceComponent>();

        // Probes must see failures: no retries, no hedging, no breaker of the HTTP client's own.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental; removing the defaults is exactly what a probe needs.
        builder.Services.AddHttpClient(ExternalDependencyComponent.HttpClientName).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        builder.Services.AddSingleton<ServerInfo>();
        builder.Services.AddSingleton<ComponentRegistry>();
        builder.Services.AddSingleton<RecoveryMetrics>();
        builder.Services.AddSingleton<RecoveryDatabase>();
        builder.Services.AddSingleton<RecoveryHistory>();
        builder.Services.AddSingleton<RecoveryCooldown>();
        builder.Services.AddSingleton<RecoveryStatisticsReader>();
        builder.Services.AddSingleton<RecoveryCoordinator>();
        builder.Services.AddHostedService<ComponentChecker>();
        return builder;
    }
}
