namespace Care2Connect.AppHost.Publishing;

/// <summary>The <c>Publish</c> section of the AppHost's configuration: what only a published deployment needs.</summary>
public sealed class PublishOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Publish";

    /// <summary>Prefix of the images of this repository's projects: <c>{prefix}api</c>, <c>{prefix}monitor</c>.</summary>
    public string ImagePrefix { get; set; } = "care2connect-";

    /// <summary>The tag of those images (<c>dotnet publish ... /t:PublishContainer -p:ContainerImageTag=...</c>).</summary>
    public string ImageTag { get; set; } = "latest";

    /// <summary>
    /// Where requests come from when they carry a client's address (cloudflared, an ingress of your own): the API's
    /// <c>Api:TrustedProxies</c> there. On one machine that is loopback; in a cluster or a Compose network every
    /// other container is a neighbour, so the private ranges the engines hand out (Kubernetes pod networks,
    /// Docker's bridge networks). Narrow them to your pod network when you know it.
    /// </summary>
    public IList<string> TrustedProxies { get; } = [];

    /// <summary>The trusted proxies when none are configured.</summary>
    public static readonly IReadOnlyList<string> DefaultTrustedProxies = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

    /// <summary>Size of the database's volume.</summary>
    public int PostgresVolumeGiB { get; set; } = 10;

    /// <summary>Size of the Monitor's volume (its SQLite history and log files).</summary>
    public int MonitorVolumeGiB { get; set; } = 1;
}
