using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Http;

/// <summary>Endpoint metadata: the endpoint answers on the public listener too (the one the tunnel forwards to).</summary>
internal sealed class PublicListenerMetadata
{
    public static readonly PublicListenerMetadata Instance = new();

    private PublicListenerMetadata()
    {
    }
}

/// <summary>
/// The API listens twice: the public listener (the tunnel's origin) serves only endpoints marked with
/// <see cref="AllowOnPublicListener{TBuilder}"/>; the internal one (<c>Api:InternalPort</c>) serves everything.
/// New endpoints are therefore internal unless someone decides otherwise.
/// </summary>
internal static class ListenerExtensions
{
    /// <summary>Lets the endpoint (or every endpoint of the group) answer on the public listener.</summary>
    public static TBuilder AllowOnPublicListener<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint => endpoint.Metadata.Add(PublicListenerMetadata.Instance));
        return builder;
    }

    /// <summary>
    /// After routing: on a listener other than the internal one, an endpoint that is not public is taken away, so
    /// the request continues exactly as if no route had matched and ends in the same 404 ProblemDetails as an unknown
    /// path (same body, same headers, same throttling). Nobody on the public side learns that the route exists.
    /// </summary>
    public static IApplicationBuilder UseListenerGate(this IApplicationBuilder app)
    {
        var internalPort = app.ApplicationServices.GetRequiredService<IOptions<ApiHttpOptions>>().Value.InternalPort;
        if (internalPort is null)
        {
            // Fail closed: without a known internal port, every port is public.
            Log.NoInternalListener(app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ListenerExtensions).FullName!));
        }

        var publicPaths = new Lazy<TemplateMatcher[]>(() => PublicRouteMatchers(app.ApplicationServices.GetRequiredService<EndpointDataSource>()));
        return app.Use((context, next) =>
        {
            if (context.Connection.LocalPort != internalPort
                && context.GetEndpoint() is { } endpoint
                && !IsPublic(endpoint, context.Request.Path, publicPaths))
            {
                context.SetEndpoint(null);
                context.Request.RouteValues.Clear();
            }

            return next(context);
        });
    }

    // Routing answers a known path with the wrong method or content type through an endpoint of its own (405, 415)
    // that carries no metadata. It stays when the path is a public one (POST /api/tickets as text/plain is a 415 on
    // both listeners); on any other path it would reveal a hidden route, so it goes like the route itself.
    private static bool IsPublic(Endpoint endpoint, PathString path, Lazy<TemplateMatcher[]> publicPaths) =>
        endpoint.Metadata.GetMetadata<PublicListenerMetadata>() is not null
        || (endpoint is not RouteEndpoint && publicPaths.Value.Any(matcher => matcher.TryMatch(path, [])));

    private static TemplateMatcher[] PublicRouteMatchers(EndpointDataSource endpoints) =>
        [.. endpoints.Endpoints
            .OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.Metadata.GetMetadata<PublicListenerMetadata>() is not null)
            .Select(endpoint => new TemplateMatcher(new RouteTemplate(endpoint.RoutePattern), []))];
}
