using Care2Connect.Monitor.Probing;
using Microsoft.Extensions.Options;

namespace Care2Connect.Monitor.Checks;

internal static class ChecksExtensions
{
    /// <summary>The checks engine, the recovery requester, the heartbeat and the maintenance switch.</summary>
    public static IHostApplicationBuilder AddMonitorChecks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MonitorOptions>().BindConfiguration(MonitorOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MonitorOptions>, MonitorOptionsValidator>();
        builder.Services.AddOptions<MonitorRecoveryOptions>().BindConfiguration(MonitorRecoveryOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MonitorRecoveryOptions>, MonitorRecoveryOptionsValidator>();
        builder.Services.AddOptions<ApiProbeOptions>().BindConfiguration(ApiProbeOptions.Section).ValidateOnStart();

        // The service defaults give every client retries; probes and the recovery POST must not retry.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental; it is the supported way to opt one client out.
        builder.Services.AddHttpClient(CheckEngine.ProbeClient).RemoveAllResilienceHandlers();
        builder.Services.AddHttpClient(RecoveryRequester.ClientName).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        builder.Services.AddSingleton(services =>
        {
            var maintenance = new MaintenanceState(services.GetRequiredService<TimeProvider>());
            if (services.GetRequiredService<IOptions<MonitorOptions>>().Value.Maintenance)
            {
                maintenance.Set(true, "Monitor:Maintenance is set");
            }

            return maintenance;
        });
        builder.Services.AddSingleton<MonitorEvents>();
        builder.Services.AddSingleton<MonitorMetrics>();
        builder.Services.AddSingleton<CheckCatalog>();
        builder.Services.AddSingleton<RecoveryRequester>();
        builder.Services.AddSingleton<CheckEngine>();
        builder.Services.AddSingleton<IMonitorState>(services => services.GetRequiredService<CheckEngine>());
        builder.Services.AddHostedService(services => services.GetRequiredService<CheckEngine>());
        builder.Services.AddHostedService<Heartbeat>();
        return builder;
    }
}
