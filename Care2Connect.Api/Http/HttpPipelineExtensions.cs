using System.Globalization;
using System.Threading.RateLimiting;
using Care2Connect.Api.Security;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Http;

internal static class HttpPipelineExtensions
{
    /// <summary>Rate-limiter policy for anonymous ticket creation.</summary>
    public const string CreateTicketPolicy = "create-ticket";

    public static IHostApplicationBuilder AddApiHttp(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiHttpOptions>()
            .BindConfiguration(ApiHttpOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(services => new ClientAddressResolver(services.GetRequiredService<IOptions<ApiHttpOptions>>().Value.TrustedProxies));
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();
        builder.Services.AddExceptionHandler<DatabaseUnavailableExceptionHandler>();
        builder.Services.AddOpenApi();

        builder.Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<ApiHttpOptions>>((kestrel, api) => kestrel.Limits.MaxRequestBodySize = api.Value.MaxRequestBodyBytes);

        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = WriteRateLimitedAsync;
            limiter.AddPolicy(CreateTicketPolicy, context =>
            {
                // Operators (outreach workers entering stories for people) are not limited; anonymous callers
                // are, per client address. Behind the tunnel that is the address Cloudflare reports (CF-Connecting-IP),
                // believed only from a trusted proxy (Api:TrustedProxies; see ClientAddressResolver).
                if (context.User.IsInRole(ApiRoles.Operator))
                {
                    return RateLimitPartition.GetNoLimiter("operators");
                }

                var options = context.RequestServices.GetRequiredService<IOptions<ApiHttpOptions>>().Value;
                var client = context.GetClientAddress().ClientText;
                return RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.CreatePermitLimit,
                    Window = options.CreateWindow,
                    QueueLimit = 0,
                });
            });
        });

        return builder;
    }

    /// <summary>
    /// The pipeline, in an order that matters: the client is resolved before anything reads it; the listener gate
    /// runs right after routing so a hidden route behaves like an unknown one in everything that follows; the audit
    /// wraps everything that can refuse an admin call; the failed-key throttle needs authentication's verdict and
    /// must answer before authorization can tell a right key from a wrong one.
    /// </summary>
    public static WebApplication UseApiHttp(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseClientAddress();
        app.UseRouting();
        app.UseListenerGate();
        app.UseAdminAudit();
        app.Use(RejectOversizedBodies);
        app.UseAuthentication();
        app.UseFailedAuthenticationThrottle();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    // Kestrel enforces the limit while reading; this answers early, with ProblemDetails, when the declared
    // length already says the body is too large (the common case), before any handler runs.
    private static async Task RejectOversizedBodies(HttpContext context, RequestDelegate next)
    {
        var limit = context.RequestServices.GetRequiredService<IOptions<ApiHttpOptions>>().Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Title = "Request body too large",
                    Detail = $"Request bodies are limited to {limit} bytes.",
                },
            });
            return;
        }

        await next(context);
    }

    private static async ValueTask WriteRateLimitedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = "Too many tickets were created from this address. Try again after the time in Retry-After.",
            },
        });
    }
}
