using System.Globalization;
using System.Threading.RateLimiting;
using Care2Connect.Api.Http;
using Care2Connect.Api.Security;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Tickets;

internal static class TicketRateLimiting
{
    /// <summary>Rate-limiter policy for anonymous ticket creation.</summary>
    public const string CreateTicketPolicy = "create-ticket";

    /// <summary>The rate limiter for anonymous ticket creation: per client address, operators exempt.</summary>
    public static IHostApplicationBuilder AddTicketRateLimiting(this IHostApplicationBuilder builder)
    {
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
