namespace Care2Connect.AppHost.Tunnel;

/// <summary>
/// On the tunnel: the endpoint its public hostname forwards to. Cloudflare holds that rule (a token tunnel is
/// configured at Cloudflare, not here); the annotation says in the model what it must point at, so publishing and the
/// start-up checks know which listener is the way in and which are the operator's.
/// </summary>
/// <param name="Api">The resource the tunnel forwards to.</param>
/// <param name="EndpointName">Its endpoint.</param>
public sealed record TunnelOriginAnnotation(IResource Api, string EndpointName) : IResourceAnnotation;
