using Care2Connect.Api.Recovery;
using Care2Connect.Api.Security;

namespace Care2Connect.Api.Data.Resilience;

internal sealed record BreakerTrialResponse(string Before, string After, bool TrialRun);

internal static class DataLayerApi
{
    /// <summary>Admin-only views of and actions on the data layer. They reveal SQL text, so they are never anonymous.</summary>
    public static IEndpointRouteBuilder MapDataLayerApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health/slow-queries", (SlowQueryLog slowQueries) => TypedResults.Ok(slowQueries.Slowest()))
            .RequireAuthorization(ApiPolicies.Admin)
            .WithTags("Health")
            .WithName("SlowQueries");

        // The dashboard's "Reset circuit breaker": skip the rest of the break and run the half-open trial now, the same
        // action recovery uses; the trial's outcome decides, so a breaker over a dead database opens again.
        app.MapPost("/health/breaker/trial", TrialAsync)
            .RequireAuthorization(ApiPolicies.Admin)
            .WithTags("Health")
            .WithName("BreakerTrial");
        return app;
    }

    internal static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<BreakerTrialResponse>> TrialAsync(
        DatabaseCircuitBreaker breaker,
        IEnumerable<IRecoverableComponent> components,
        CancellationToken cancellationToken)
    {
        var before = breaker.State;
        var run = before == CircuitState.Open;
        if (run)
        {
            await components.OfType<CircuitBreakerComponent>().Single().RecoverAsync(cancellationToken);
        }

        return TypedResults.Ok(new BreakerTrialResponse(before.ToString(), breaker.State.ToString(), run));
    }
}
