using Care2Connect.AppHost.BuiltProjects;

namespace Care2Connect.AppHost;

/// <summary>The API's two listeners: <c>http</c> (public, the tunnel's origin) and <c>internal</c> (everything else).</summary>
public static class ApiListenerExtensions
{
    /// <summary>The public endpoint: the ticket API and <c>/alive</c> only. The tunnel forwards to it.</summary>
    public const string PublicEndpointName = "http";

    /// <summary>The internal endpoint: <c>/health</c>, <c>/health/*</c>, admin routes, OpenAPI, and the public routes too.</summary>
    public const string InternalEndpointName = "internal";

    /// <summary>The internal endpoint's port when the AppHost runs normally (tests get random ports).</summary>
    public const int DefaultInternalPort = 5181;

    /// <summary>
    /// Adds the <c>internal</c> HTTP endpoint and tells the API which listener it is (<c>Api__InternalPort</c> = the
    /// endpoint's target port, the port the API itself listens on). Both endpoints reach the API through
    /// <c>ASPNETCORE_URLS</c> (<see cref="BuiltProjectExtensions.WithKestrelHttpEndpoint"/>). Also sets the trusted
    /// proxies to loopback.
    /// </summary>
    /// <param name="api">The API project.</param>
    /// <param name="port">The internal endpoint's port; null for a free one chosen at start.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<BuiltProjectResource> WithInternalListener(this IResourceBuilder<BuiltProjectResource> api, int? port = DefaultInternalPort)
    {
        api.WithKestrelHttpEndpoint(InternalEndpointName, port);
        return api
            .WithEnvironment("Api__InternalPort", api.GetEndpoint(InternalEndpointName).Property(EndpointProperty.TargetPort))
            // Every connection reaches the API on loopback, from the tunnel or from a caller on this machine, so
            // loopback is the only proxy there is: its CF-Connecting-IP / X-Forwarded-For name the client. Anything that can
            // connect to loopback could also write those headers; that is this machine, which holds the keys anyway,
            // and the tunnel overwrites CF-Connecting-IP with the real client (cloudflared and the simulator both).
            .WithEnvironment("Api__TrustedProxies__0", "127.0.0.1")
            .WithEnvironment("Api__TrustedProxies__1", "::1");
    }
}
