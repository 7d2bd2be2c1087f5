using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Care2Connect.Monitor.Alerts;

internal static class AlertsExtensions
{
    /// <summary>
    /// Alerts to webhooks and email (<c>Monitor:Alerts</c>) and <c>system-monitor.log</c> (<c>Monitor:LogDirectory</c>), both as
    /// <see cref="IMonitorSink"/>s, and the sender that delivers queued alerts.
    /// </summary>
    public static IHostApplicationBuilder AddMonitorAlerts(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AlertOptions>()
            .BindConfiguration(AlertOptions.Section)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AlertOptions>, AlertOptionsValidator>();
        services.AddOptions<MonitorLogFileOptions>()
            .BindConfiguration(MonitorLogFileOptions.Section)
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MaintenanceState>();

        services.AddSingleton<MonitorLogFile>();
        services.AddSingleton<IMonitorSink>(provider => provider.GetRequiredService<MonitorLogFile>());
        services.AddSingleton<AlertQueue>();
        services.AddSingleton<AlertDispatcher>();
        services.AddSingleton<IMonitorSink>(provider => provider.GetRequiredService<AlertDispatcher>());
        services.AddHostedService<AlertSender>();

        // The service defaults give every client retries; the sender's own loop is the only retry a webhook sees.
        // No logging handlers either: HttpClientFactory logs each request's full address, and a Slack or Discord
        // webhook's path is its secret.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental; it is the supported way to opt one client out.
        services.AddHttpClient(AlertSender.WebhookClient).RemoveAllResilienceHandlers().RemoveAllLoggers();
#pragma warning restore EXTEXP0001
        return builder;
    }
}
