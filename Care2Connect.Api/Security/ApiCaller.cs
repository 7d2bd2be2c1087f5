using System.Security.Claims;

namespace Care2Connect.Api.Security;

/// <summary>
/// Who made a request, in words safe to log and store: the slot of the key that matched (<c>admin#0</c>,
/// <c>operator#1</c>, the name claim set by <see cref="ApiKeyAuthenticationHandler"/>), <c>invalid-key</c> when a
/// key was sent but matched nothing, or <c>anonymous</c>. Never the key itself. Handlers that record a "caller"
/// (recovery requests, audits) use <see cref="Of"/>.
/// </summary>
internal static class ApiCaller
{
    public const string Anonymous = "anonymous";
    public const string InvalidKey = "invalid-key";

    public static string Of(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, AuthenticationType: ApiKeyAuthenticationHandler.SchemeName }
            && context.User.FindFirstValue(ClaimTypes.Name) is { Length: > 0 } name
            ? name
            : PresentsKey(context) ? InvalidKey : Anonymous;

    /// <summary>Whether the request carries an <c>X-Api-Key</c> header at all (valid or not).</summary>
    public static bool PresentsKey(HttpContext context) =>
        context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName);
}
