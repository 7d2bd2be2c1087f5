using Microsoft.Extensions.Options;
using Care2Connect.Monitor.Checks;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Care2Connect.Monitor.History;

internal static class HistoryExtensions
{
    /// <summary>
    /// The history store (as itself and as an <see cref="IMonitorSink"/>), its writer and its pruner. Call it before
    /// the checks engine is registered: hosted services stop in reverse order, so the writer then stops last and
    /// flushes the engine's final events.
    /// </summary>
    public static IHostApplicationBuilder AddMonitorHistory(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HistoryOptions>().BindConfiguration(HistoryOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<HistoryOptions>, HistoryOptionsValidator>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<HistoryStore>();
        builder.Services.AddSingleton<IMonitorSink>(services => services.GetRequiredService<HistoryStore>());
        builder.Services.AddSingleton<IStateHistory>(services => services.GetRequiredService<HistoryStore>());
        builder.Services.AddHostedService<HistoryWriter>();
        builder.Services.AddHostedService<HistoryPruner>();
        return builder;
    }
}
