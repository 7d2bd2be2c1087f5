namespace Care2Connect.Api.SpeechIntelligence;

internal static class SpeechIntelligenceExtensions
{
    /// <summary>The speech intelligence job host and its periodic jobs (retention, smoke test).</summary>
    public static IHostApplicationBuilder AddSpeechIntelligence(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SpeechIntelligenceOptions>()
            .BindConfiguration(SpeechIntelligenceOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<RecoveryHistoryLimits>()
            .BindConfiguration(RecoveryHistoryLimits.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ISpeechJob, RetentionJob>();
        builder.Services.AddSingleton<ISpeechJob, SmokeTestJob>();
        builder.Services.AddSingleton<SpeechIntelligenceHost>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SpeechIntelligenceHost>());
        return builder;
    }
}
