using Care2Connect.Monitor.Probing;
using Microsoft.Extensions.Options;

namespace Care2Connect.Monitor.Checks;

/// <summary>
/// Which checks run, built once from configuration and Aspire's references: the API (liveness, readiness,
/// detailed status), the tunnel's <c>/ready</c>, the public site, free disk space, and any extra URL.
/// </summary>
internal sealed class CheckCatalog
{
    public const string ApiLiveness = "api-liveness";
    public const string ApiReadiness = "api-readiness";
    public const string Tunnel = "tunnel";
    public const string PublicSite = "public-site";

    /// <summary>The component the API liveness check reports: the origin itself.</summary>
    public const string ApiComponent = "api";

    public CheckCatalog(IOptions<MonitorOptions> options, IOptions<ApiProbeOptions> api, IConfiguration configuration, ILogger<CheckCatalog> logger)
    {
        var settings = options.Value;
        var checks = new List<MonitorCheck>();

        var apiBase = ApiBase = api.Value.BaseAddress ?? configuration.GetValue<Uri?>("services:api:http:0");
        if (apiBase is null)
        {
            Log.NoApiAddress(logger);
        }
        else
        {
            checks.Add(Http(ApiLiveness, ApiComponent, new Uri(apiBase, "/alive"), HttpCheck.Is2xx, settings.DefaultInterval));
            checks.Add(Http(ApiReadiness, ApiReadiness, new Uri(apiBase, "/health"), HttpCheck.Is2xx, settings.DefaultInterval));
            var status = Override(ApiStatusCheck.CheckName);
            if (status.Enabled)
            {
                checks.Add(new ApiStatusCheck(
                    new Uri(apiBase, "/health/status"),
                    settings.AdminKey,
                    status.Interval ?? settings.DefaultInterval,
                    status.Timeout ?? settings.DefaultTimeout,
                    status.FailuresBeforeDown ?? settings.FailuresBeforeDown,
                    status.SuccessesBeforeUp ?? settings.SuccessesBeforeUp));
            }
        }

        var tunnel = Override(Tunnel).Url ?? configuration.GetValue<Uri?>("services:tunnel:metrics:0");
        if (tunnel is not null)
        {
            checks.Add(Http(Tunnel, Tunnel, new Uri(tunnel, "/ready"), HttpCheck.Is2xx, settings.EdgeInterval));
        }

        var publicUrl = Override(PublicSite).Url ?? configuration.GetValue<Uri?>("Tunnel:PublicUrl");
        if (publicUrl is not null)
        {
            checks.Add(Http(PublicSite, PublicSite, publicUrl, HttpCheck.Below500, settings.EdgeInterval));
        }

        var disk = Override(DiskCheck.CheckName);
        if (disk.Enabled)
        {
            checks.Add(new DiskCheck(
                settings.DiskPath ?? Path.GetPathRoot(AppContext.BaseDirectory) ?? "/",
                settings.MinFreeDiskPercent,
                disk.Interval ?? settings.DefaultInterval,
                disk.Timeout ?? settings.DefaultTimeout,
                disk.FailuresBeforeDown ?? settings.FailuresBeforeDown,
                disk.SuccessesBeforeUp ?? settings.SuccessesBeforeUp));
        }

        string[] builtIn = [ApiLiveness, ApiReadiness, ApiStatusCheck.CheckName, Tunnel, PublicSite, DiskCheck.CheckName];
        foreach (var (name, extra) in settings.Checks.Where(c => !builtIn.Contains(c.Key, StringComparer.OrdinalIgnoreCase) && c.Value.Url is not null))
        {
            checks.Add(Http(name, name, extra.Url!, HttpCheck.Below500, settings.DefaultInterval));
        }

        Checks = [.. checks.Where(c => Override(c.Name).Enabled)];

        CheckOptions Override(string name) => settings.Checks.TryGetValue(name, out var configured) ? configured : new CheckOptions();

        HttpCheck Http(string name, string component, Uri url, Func<int, bool> isUp, TimeSpan interval)
        {
            var configured = Override(name);
            return new HttpCheck(
                name,
                component,
                url,
                isUp,
                configured.Interval ?? interval,
                configured.Timeout ?? settings.DefaultTimeout,
                configured.FailuresBeforeDown ?? settings.FailuresBeforeDown,
                configured.SuccessesBeforeUp ?? settings.SuccessesBeforeUp);
        }
    }

    public IReadOnlyList<MonitorCheck> Checks { get; }

    /// <summary>Where the API's health and admin routes are (its internal endpoint), or null when nothing says.</summary>
    public Uri? ApiBase { get; }
}
