using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Care2Connect.Api.Security;

internal static class ApiRoles
{
    public const string Operator = "operator";
    public const string Admin = "admin";
}

internal static class ApiPolicies
{
    /// <summary>Operators and admins: everything about tickets except creating one.</summary>
    public const string Operator = "operator";

    /// <summary>Admins only.</summary>
    public const string Admin = "admin";
}

internal static class SecurityExtensions
{
    public static IHostApplicationBuilder AddApiKeySecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.Section);
        builder.Services.AddSingleton<ApiKeyRing>();
        builder.Services.AddOptions<FailedAuthenticationOptions>()
            .BindConfiguration(FailedAuthenticationOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<FailedAuthenticationThrottle>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, AdminAvailabilityResultHandler>();

        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, configureOptions: null);

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicies.Operator, policy => policy.RequireRole(ApiRoles.Operator, ApiRoles.Admin))
            .AddPolicy(ApiPolicies.Admin, policy => policy.RequireRole(ApiRoles.Admin));

        return builder;
    }
}
