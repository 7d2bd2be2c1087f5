using Care2Connect.Api.Security;

namespace Care2Connect.Api.Data.Resilience;

internal static class DataLayerApi
{
    /// <summary>Admin-only views of the data layer. They reveal SQL text, so they are never anonymous.</summary>
    public static IEndpointRouteBuilder MapDataLayerApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health/slow-queries", (SlowQueryLog slowQueries) => TypedResults.Ok(slowQueries.Slowest()))
            .RequireAuthorization(ApiPolicies.Admin)
            .WithTags("Health")
            .WithName("SlowQueries");
        return app;
    }
}
