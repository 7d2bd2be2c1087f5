using Care2Connect.Api.Http;
using Care2Connect.Api.Security;

namespace Care2Connect.Api;

/// <summary>
/// The request pipeline, composed here beside <c>Program.cs</c> because it interleaves the HTTP basics
/// (<c>Http/</c>) with security (<c>Security/</c>): neither folder has to know the other's middleware.
/// </summary>
internal static class ApiPipeline
{
    /// <summary>
    /// The pipeline, in an order that matters: the client is resolved before anything reads it; the listener gate
    /// runs right after routing so a hidden route behaves like an unknown one in everything that follows; the audit
    /// wraps everything that can refuse an admin call; the failed-key throttle needs authentication's verdict and
    /// must answer before authorization can tell a right key from a wrong one.
    /// </summary>
    public static WebApplication UseApiPipeline(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseClientAddress();
        app.UseRouting();
        app.UseListenerGate();
        app.UseAdminAudit();
        app.UseRequestBodyLimit();
        app.UseAuthentication();
        app.UseFailedAuthenticationThrottle();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }
}
