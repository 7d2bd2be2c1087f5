using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Security;

/// <summary>
/// Authenticates <c>X-Api-Key</c>. Writes 401 and 403 as ProblemDetails. The key itself is never logged,
/// echoed or put in a failure message.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyRing keys,
    IProblemDetailsService problemDetails) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.Fail($"Exactly one non-empty {HeaderName} header is required."));
        }

        var match = keys.Match(values[0]!);
        if (match.Role == ApiKeyRole.None)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        }

        // The name is the key's slot (admin#0), never the key: see ApiCaller.
        Claim[] claims = match.Role == ApiKeyRole.Admin
            ? [new(ClaimTypes.Name, match.Identity), new(ClaimTypes.Role, ApiRoles.Admin), new(ClaimTypes.Role, ApiRoles.Operator)]
            : [new(ClaimTypes.Name, match.Identity), new(ClaimTypes.Role, ApiRoles.Operator)];
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        await problemDetails.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Authentication required",
                Detail = $"Send a valid operator or admin key in the {HeaderName} header.",
            },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problemDetails.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Forbidden",
                Detail = "The API key is valid but does not grant this operation.",
            },
        });
    }
}
