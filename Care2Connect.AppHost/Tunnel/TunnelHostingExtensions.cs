using System.Globalization;
using Care2Connect.AppHost.BuiltProjects;
using Care2Connect.AppHost.Supervision;
using Care2Connect.AppHost.Postgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Care2Connect.AppHost.Tunnel;

/// <summary>How the API reaches the internet (configuration key <c>Tunnel:Mode</c>).</summary>
public enum TunnelMode
{
    /// <summary>Cloudflare when a tunnel token is configured, else Simulated.</summary>
    Auto,

    /// <summary>The real <c>cloudflared</c> in a container, with the token from the <c>tunnel-token</c> secret.</summary>
    Cloudflare,

    /// <summary>A local stand-in (<c>tools/Care2Connect.TunnelSimulator</c>): not public, same interface.</summary>
    Simulated,

    /// <summary>No tunnel.</summary>
    Off,
}

/// <summary>Thrown at start when the real tunnel cannot run on this machine. The message says what to do.</summary>
/// <param name="message">The message.</param>
public sealed class TunnelUnavailableException(string message) : Exception(message);

/// <summary>Adds the tunnel that exposes the API's public endpoint.</summary>
public static class TunnelHostingExtensions
{
    /// <summary>The pinned cloudflared image.</summary>
    public const string CloudflaredImage = "cloudflare/cloudflared";

    /// <summary>The pinned cloudflared tag.</summary>
    public const string CloudflaredTag = "2025.11.1";

    /// <summary>The port cloudflared serves <c>/ready</c> and <c>/metrics</c> on, inside its container.</summary>
    public const int MetricsPort = 60123;

    /// <summary>Where the API's public listener binds in Cloudflare mode unless <c>Tunnel:OriginBindAddress</c> says otherwise.</summary>
    public const string DefaultOriginBindAddress = "0.0.0.0";

    /// <summary>The networks containers connect from (Docker's and Podman's bridge networks): trusted proxies in Cloudflare mode.</summary>
    public const string DefaultContainerNetwork = "172.16.0.0/12";

    /// <summary>The container runtime argument that gives the container the host's address as <c>host.docker.internal</c>.</summary>
    public const string HostGatewayArgument = "--add-host=host.docker.internal:host-gateway";

    /// <summary>The tunnel's dashboard property with the origin its public hostname must point at.</summary>
    public const string OriginProperty = "tunnel.origin";

    /// <summary>The tunnel's dashboard property with its public URL.</summary>
    public const string PublicUrlProperty = "tunnel.publicUrl";

    /// <summary>What the public URL property shows while <c>Tunnel:PublicUrl</c> is not set.</summary>
    public const string MissingPublicUrl = "not set (Tunnel:PublicUrl): the Monitor cannot check the public site";

    /// <summary>The origin cloudflared's public hostname must forward to, seen from its container.</summary>
    /// <param name="originPort">The API's public port (<c>Tunnel:OriginPort</c>).</param>
    public static string OriginUrl(int originPort) => $"http://host.docker.internal:{originPort.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The one message a start without a container runtime ends with, by how the real tunnel was chosen.</summary>
    /// <param name="configuredMode">The configured <c>Tunnel:Mode</c> (Auto chose Cloudflare because of the token).</param>
    public static string NoRuntimeMessage(TunnelMode configuredMode) =>
        (configuredMode == TunnelMode.Auto
            ? "A Cloudflare tunnel token is configured (Parameters:tunnel-token), so Tunnel:Mode Auto runs cloudflared in a container, "
            : "Tunnel:Mode is Cloudflare, which runs cloudflared in a container, ")
        + "but no container runtime answers 'docker container ls' (nor podman): the tunnel would never start. "
        + "Start Docker or Podman, or set Tunnel:Mode=Simulated (local stand-in) or Tunnel:Mode=Off.";

    /// <summary>The start-up warning when a real tunnel has no public URL; null when it has one.</summary>
    /// <param name="publicUrl">The configured <c>Tunnel:PublicUrl</c>.</param>
    public static string? PublicUrlWarning(string? publicUrl) =>
        string.IsNullOrWhiteSpace(publicUrl)
            ? "Tunnel:PublicUrl is not set: the Monitor cannot check the public site through the tunnel, and nothing says which hostname is public. Set it to the tunnel's public hostname (https://...)."
            : null;

    /// <summary>
    /// Adds the <c>tunnel</c> resource for <paramref name="api"/>'s public <c>http</c> endpoint, by <c>Tunnel:Mode</c>:
    /// <c>Cloudflare</c> runs <c>cloudflared tunnel --no-autoupdate --metrics 0.0.0.0:60123 run</c> with
    /// <c>TUNNEL_TOKEN</c> from the <c>tunnel-token</c> secret parameter and pins the API's public port to
    /// <c>Tunnel:OriginPort</c> (default 5180), which the ingress rule at Cloudflare points at; <c>Simulated</c>
    /// runs the local stand-in; <c>Off</c> adds nothing. The tunnel is supervised (liveness <c>/ready</c>, 5 restarts
    /// an hour by default). Returns the public URL (<c>Tunnel:PublicUrl</c>, or the simulated one), or null.
    /// </summary>
    /// <param name="builder">The AppHost builder.</param>
    /// <param name="api">The API; its <c>http</c> endpoint is the origin.</param>
    /// <returns>The tunnel resource and the public URL, or null when the mode is Off.</returns>
    public static (IResourceBuilder<IResourceWithEndpoints> Tunnel, ReferenceExpression PublicUrl)? AddCare2ConnectTunnel(
        this IDistributedApplicationBuilder builder,
        IResourceBuilder<BuiltProjectResource> api)
    {
        var mode = builder.Configuration.GetValue("Tunnel:Mode", TunnelMode.Auto);
        var configuredMode = mode;
        var hasToken = !string.IsNullOrWhiteSpace(builder.Configuration["Parameters:tunnel-token"]);
        if (mode == TunnelMode.Auto)
        {
            // Published, the token is a secret where it runs: Auto means the real tunnel there.
            mode = hasToken || builder.ExecutionContext.IsPublishMode ? TunnelMode.Cloudflare : TunnelMode.Simulated;
        }

        var liveness = new LivenessProbe { Path = "/ready", EndpointName = "metrics", Period = TimeSpan.FromSeconds(30) };
        switch (mode)
        {
            case TunnelMode.Cloudflare:
            {
                // The container reaches the API on the host through host-gateway (Docker's and Podman's name for the
                // host seen from a bridge network, which Linux has no default for), so the API's public listener must
                // accept connections that are not on loopback: it binds Tunnel:OriginBindAddress (all IPv4 addresses
                // by default; docker0's address keeps it off the LAN). Only the public listener: internal stays on
                // loopback. Connections then come from the container network, trusted like loopback for the client's
                // address (cloudflared overwrites CF-Connecting-IP).
                var originPort = builder.Configuration.GetValue("Tunnel:OriginPort", 5180);
                var bindAddress = builder.Configuration["Tunnel:OriginBindAddress"] ?? DefaultOriginBindAddress;
                api.WithEndpoint(ApiListenerExtensions.PublicEndpointName, endpoint =>
                {
                    endpoint.PinPort(originPort);
                    endpoint.TargetHost = bindAddress;
                });
                api.WithEnvironment("Api__TrustedProxies__2", builder.Configuration["Tunnel:ContainerNetwork"] ?? DefaultContainerNetwork);
                var token = builder.AddParameter("tunnel-token", secret: true)
                    .WithDescription("Cloudflare tunnel token (Zero Trust → Networks → Tunnels → your tunnel → install command).");
                var origin = OriginUrl(originPort);
                var publicUrl = builder.Configuration["Tunnel:PublicUrl"] ?? string.Empty;
                var tunnel = builder.AddContainer("tunnel", CloudflaredImage, CloudflaredTag)
                    .WithArgs("tunnel", "--no-autoupdate", "--metrics", $"0.0.0.0:{MetricsPort.ToString(CultureInfo.InvariantCulture)}", "run")
                    .WithContainerRuntimeArgs(HostGatewayArgument)
                    .WithEnvironment("TUNNEL_TOKEN", token)
                    .WithHttpEndpoint(targetPort: MetricsPort, name: "metrics")
                    .WithAnnotation(new TunnelOriginAnnotation(api.Resource, ApiListenerExtensions.PublicEndpointName))
                    .WithRestartPolicy(builder.RestartPolicyFor("tunnel", liveness));
                if (builder.ExecutionContext.IsRunMode)
                {
                    builder.Eventing.Subscribe<BeforeStartEvent>(async (@event, cancellationToken) =>
                    {
                        if (!PostgresModeResolver.ContainerRuntimeAnswers(builder.Configuration["ASPIRE_CONTAINER_RUNTIME"]))
                        {
                            throw new TunnelUnavailableException(NoRuntimeMessage(configuredMode));
                        }

                        var logger = @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TunnelHostingExtensions));
                        Log.TunnelOrigin(logger, origin);
                        var warning = PublicUrlWarning(publicUrl);
                        if (warning is not null)
                        {
                            Log.TunnelPublicUrlMissing(logger, warning);
                        }

                        await @event.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(tunnel.Resource, snapshot => snapshot with
                        {
                            Properties = [
                                .. snapshot.Properties.Where(p => p.Name is not (OriginProperty or PublicUrlProperty)),
                                new(OriginProperty, origin),
                                new(PublicUrlProperty, string.IsNullOrWhiteSpace(publicUrl) ? MissingPublicUrl : publicUrl),
                            ],
                        });
                    });
                }

                return (tunnel, ReferenceExpression.Create($"{publicUrl}"));
            }

            case TunnelMode.Simulated:
            {
                var tunnel = builder.AddBuiltProject<Projects.Care2Connect_TunnelSimulator>("tunnel")
                    .WithHttpEndpoint(name: "metrics", env: "METRICS_PORT")
                    .WithHttpEndpoint(name: "public", env: "PUBLIC_PORT")
                    .WithEnvironment("TUNNEL_ORIGIN", api.GetEndpoint(ApiListenerExtensions.PublicEndpointName))
                    .WithRestartPolicy(builder.RestartPolicyFor("tunnel", liveness))
                    .WithHttpCommand("/control/unready", "Go unready", "metrics", "tunnel-unready", new HttpCommandOptions { Description = "Simulated: drop every edge connection (/ready answers 503)." })
                    .WithHttpCommand("/control/lose-edge", "Lose the edge", "metrics", "tunnel-lose-edge", new HttpCommandOptions { Description = "Simulated: public requests fail while /ready still says ready." })
                    .WithHttpCommand("/control/ready", "Restore", "metrics", "tunnel-ready", new HttpCommandOptions { Description = "Simulated: edge connections and public side restored." })
                    .WithHttpCommand("/control/exit", "Exit", "metrics", "tunnel-exit", new HttpCommandOptions { Description = "Simulated: the tunnel process exits with code 1." })
                    .WithUrlForEndpoint("public", url => url.DisplayText = "Public (simulated, local only)");
                return (tunnel, ReferenceExpression.Create($"{tunnel.GetEndpoint("public")}"));
            }

            default:
                return null;
        }
    }
}
