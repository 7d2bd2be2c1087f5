using Care2Connect.Api.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Care2Connect.Api.Security;

internal static class AdminEndpoints
{
    /// <summary>Whether the endpoint requires the <see cref="ApiPolicies.Admin"/> policy.</summary>
    public static bool IsAdmin(Endpoint? endpoint) =>
        endpoint is not null
        && endpoint.Metadata.GetMetadata<IAllowAnonymous>() is null
        && endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(data => data.Policy == ApiPolicies.Admin);
}

/// <summary>
/// Without any configured admin key, admin endpoints are closed: 503 ProblemDetails, whatever key is presented
/// (an operator key must not fall through to a 403 that reads as "almost"). Not 401: no key could succeed, and
/// the fix is the operator's (configure <c>Auth:AdminKeys</c>), so there is no <c>Retry-After</c> either.
/// Everything else goes to the framework's default handling (401 challenge, 403 forbid, or the endpoint).
/// </summary>
internal sealed class AdminAvailabilityResultHandler(ApiKeyRing keys, IProblemDetailsService problemDetails) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (keys.HasAdminKeys || !AdminEndpoints.IsAdmin(context.GetEndpoint()))
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        await problemDetails.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Type = ProblemTypes.AdminNotConfigured,
                Title = "Admin access is not configured",
                Detail = "No admin API key is configured on this server, so admin endpoints are closed.",
            },
        });
    }
}
