using System.Text;
using Microsoft.Extensions.Configuration;

namespace Care2Connect.AppHost;

/// <summary>Settings of a service that are configured where the operator configures everything: the AppHost.</summary>
public static class ForwardedSettingsExtensions
{
    /// <summary>The Monitor's extra checks and per-check settings: <c>Monitor:Checks:&lt;name&gt;:Url</c>, <c>Interval</c>, ...</summary>
    public const string MonitorChecks = "Monitor:Checks";

    /// <summary>The Monitor's alert channels: <c>Monitor:Alerts:Webhooks:&lt;i&gt;:Url</c>, <c>Monitor:Alerts:Email:&lt;i&gt;:Host</c>, ...</summary>
    public const string MonitorAlerts = "Monitor:Alerts";

    /// <summary>The API's external dependencies: <c>Recovery:Dependencies:&lt;name&gt;:Url</c>, <c>Critical</c>, <c>Timeout</c>.</summary>
    public const string ApiDependencies = "Recovery:Dependencies";

    /// <summary>
    /// Gives the resource every setting under <paramref name="section"/> of the AppHost's configuration (appsettings,
    /// user secrets, systemd credentials, environment, command line) as an environment variable
    /// (<c>Monitor:Checks:frontend:Url</c> becomes <c>Monitor__Checks__frontend__Url</c>), so it is visible in the
    /// dashboard with the resource's environment; each entry's <c>Url</c> also becomes a link on the resource
    /// ("watches frontend"), shown without its query string. Without this, a setting made in the AppHost never reaches
    /// the service that reads it.
    /// </summary>
    /// <param name="resource">The service that reads the section.</param>
    /// <param name="section">The configuration section, e.g. <see cref="MonitorChecks"/>.</param>
    /// <param name="secretKeys">
    /// Last parts of keys whose values are secrets (<c>Url</c> for webhooks, <c>Password</c>): each goes through a
    /// secret parameter read from the same configuration key, so the dashboard masks it, and none becomes a link.
    /// </param>
    /// <typeparam name="T">The resource type.</typeparam>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<T> WithForwardedSettings<T>(this IResourceBuilder<T> resource, string section, params string[] secretKeys)
        where T : IResourceWithEnvironment
    {
        var builder = resource.ApplicationBuilder;
        var settings = builder.Configuration.GetSection(section);
        foreach (var (key, value) in settings.AsEnumerable().OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (value is null)
            {
                continue;
            }

            var variable = key.Replace(":", "__", StringComparison.Ordinal);
            if (secretKeys.Contains(key[(key.LastIndexOf(':') + 1)..], StringComparer.OrdinalIgnoreCase))
            {
                resource.WithEnvironment(variable, builder.AddParameterFromConfiguration(ParameterName(key), key, secret: true));
            }
            else
            {
                resource.WithEnvironment(variable, value);
            }
        }

        if (!secretKeys.Contains("Url", StringComparer.OrdinalIgnoreCase))
        {
            foreach (var entry in settings.GetChildren())
            {
                if (Uri.TryCreate(entry["Url"], UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
                {
                    resource.WithUrl(url.GetLeftPart(UriPartial.Path), $"watches {entry.Key}");
                }
            }
        }

        return resource;
    }

    // "Monitor:Alerts:Webhooks:0:Url" -> "monitor-alerts-webhooks-0-url": letters, digits and single hyphens, as
    // resource names must be.
    private static string ParameterName(string key)
    {
        var name = new StringBuilder(key.Length);
        foreach (var c in key.ToLowerInvariant())
        {
            var next = char.IsAsciiLetterOrDigit(c) ? c : '-';
            if (next != '-' || (name.Length > 0 && name[^1] != '-'))
            {
                name.Append(next);
            }
        }

        return name.ToString().TrimEnd('-');
    }
}
