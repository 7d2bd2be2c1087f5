using Care2Connect.AppHost.BuiltProjects;

namespace Care2Connect.AppHost;

/// <summary>What the Monitor is told by the AppHost.</summary>
public static class MonitorSettingsExtensions
{
    /// <summary>
    /// Gives the Monitor the admin key (for the API's detailed status and recovery, and its own maintenance switch),
    /// the folder its <c>system-monitor.log</c> shares with <c>supervisor.log</c>, where its history database lives,
    /// and where the data lives (for its free-disk-space check). Each can be overridden in the AppHost's configuration
    /// under the same names the Monitor reads (<c>Monitor:...</c>).
    /// </summary>
    /// <param name="monitor">The Monitor.</param>
    /// <param name="adminKey">The <c>admin-key</c> parameter.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<BuiltProjectResource> WithMonitorSettings(this IResourceBuilder<BuiltProjectResource> monitor, IResourceBuilder<ParameterResource> adminKey)
    {
        var configuration = monitor.ApplicationBuilder.Configuration;
        return monitor
            .WithEnvironment("Monitor__AdminKey", adminKey)
            .WithEnvironment("Monitor__LogDirectory", configuration["Monitor:LogDirectory"] ?? configuration["Supervisor:LogDirectory"] ?? HostPaths.Logs())
            .WithEnvironment("Monitor__History__DatabasePath", configuration["Monitor:History:DatabasePath"] ?? Path.Combine(HostPaths.Data("monitor"), "monitor.db"))
            .WithEnvironment("Monitor__DiskPath", configuration["Monitor:DiskPath"] ?? configuration["Postgres:DataDirectory"] ?? HostPaths.Data("postgres"));
    }
}
