using System.Globalization;
using Care2Connect.AppHost.BuiltProjects;
using Care2Connect.AppHost.Supervision;
using Microsoft.Extensions.Configuration;

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

/// <summary>Adds the tunnel that exposes the API's public endpoint.</summary>
public static class TunnelHostingExtensions
{
    /// <summary>The pinned cloudflared image.</summary>
    public const string CloudflaredImage = "cloudflare/cloudflared";

    /// <summary>The pinned cloudflared tag.</summary>
    public const string CloudflaredTag = "2025.11.1";

    /// <summary>The port cloudflared serves <c>/ready</c> and <c>/metrics</c> on, inside its container.</summary>
    public const int MetricsPort = 60123;

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
                var originPort = builder.Configuration.GetValue("Tunnel:OriginPort", 5180);
                api.WithEndpoint(ApiListenerExtensions.PublicEndpointName, endpoint => endpoint.PinPort(originPort));
                var token = builder.AddParameter("tunnel-token", secret: true)
                    .WithDescription("Cloudflare tunnel token (Zero Trust → Networks → Tunnels → your tunnel → install command).");
                var tunnel = builder.AddContainer("tunnel", CloudflaredImage, CloudflaredTag)
                    .WithArgs("tunnel", "--no-autoupdate", "--metrics", $"0.0.0.0:{MetricsPort.ToString(CultureInfo.InvariantCulture)}", "run")
                    .WithEnvironment("TUNNEL_TOKEN", token)
                    .WithHttpEndpoint(targetPort: MetricsPort, name: "metrics")
                    .WithAnnotation(new TunnelOriginAnnotation(api.Resource, ApiListenerExtensions.PublicEndpointName))
                    .WithRestartPolicy(builder.RestartPolicyFor("tunnel", liveness));
                var publicUrl = builder.Configuration["Tunnel:PublicUrl"] ?? string.Empty;
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
