using Microsoft.Extensions.Configuration;

namespace Care2Connect.AppHost;

/// <summary>Settings of a service that are configured where the operator configures everything: the AppHost.</summary>
public static class ForwardedSettingsExtensions
{
    /// <summary>The Monitor's extra checks and per-check settings: <c>Monitor:Checks:&lt;name&gt;:Url</c>, <c>Interval</c>, ...</summary>
    public const string MonitorChecks = "Monitor:Checks";

    /// <summary>The API's external dependencies: <c>Recovery:Dependencies:&lt;name&gt;:Url</c>, <c>Critical</c>, <c>Timeout</c>.</summary>
    public const string ApiDependencies = "Recovery:Dependencies";

    /// <summary>
    /// Gives the resource every setting under <paramref name="section"/> of the AppHost's configuration (appsettings,
    /// user secrets, environment, command line) as an environment variable (<c>Monitor:Checks:frontend:Url</c> becomes
    /// <c>Monitor__Checks__frontend__Url</c>), so it is visible in the dashboard with the resource's environment; each
    /// entry's <c>Url</c> also becomes a link on the resource ("watches frontend"), shown without its query string.
    /// Without this, a setting made in the AppHost never reaches the service that reads it.
    /// </summary>
    /// <param name="resource">The service that reads the section.</param>
    /// <param name="section">The configuration section, e.g. <see cref="MonitorChecks"/>.</param>
    /// <typeparam name="T">The resource type.</typeparam>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<T> WithForwardedSettings<T>(this IResourceBuilder<T> resource, string section)
        where T : IResourceWithEnvironment
    {
        var settings = resource.ApplicationBuilder.Configuration.GetSection(section);
        foreach (var (key, value) in settings.AsEnumerable().OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (value is not null)
            {
                resource.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
            }
        }

        foreach (var entry in settings.GetChildren())
        {
            if (Uri.TryCreate(entry["Url"], UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
            {
                resource.WithUrl(url.GetLeftPart(UriPartial.Path), $"watches {entry.Key}");
            }
        }

        return resource;
    }
}
