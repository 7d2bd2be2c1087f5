using Care2Connect.Api.Http;
using Microsoft.AspNetCore.Routing;

namespace Care2Connect.Api.Security;

/// <summary>
/// One audit entry per call to an admin endpoint, whatever its outcome (401, 403, 429, 503, 2xx, 4xx): who (the
/// key's slot, <see cref="ApiCaller"/>), when (UTC, at arrival), from where (client and proxy), what (method and
/// route pattern) and the status code. Category <see cref="Category"/>, event 3101. Never the key, never the
/// query string or body.
/// </summary>
internal static class AdminAudit
{
    public const string Category = "Care2Connect.Audit";

    /// <summary>Status written when the client went away before any response could be sent (nginx's convention).</summary>
    public const int ClientClosedRequest = 499;

    /// <summary>After routing and the listener gate, so the endpoint is known; before everything that can refuse.</summary>
    public static IApplicationBuilder UseAdminAudit(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        var time = app.ApplicationServices.GetRequiredService<TimeProvider>();
        return app.Use((context, next) =>
        {
            if (context.GetEndpoint() is { } endpoint && AdminEndpoints.IsAdmin(endpoint))
            {
                // The route is taken now: the exception handler clears the endpoint before the response starts.
                var route = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? endpoint.DisplayName ?? string.Empty;
                var entry = new Entry(context, route, time.GetUtcNow(), logger);

                // The status is final when the response starts (after the exception handler has had its say), and
                // writing then means the entry exists before the caller has the answer. A response that never starts
                // (the client went away) is written on completion instead.
                context.Response.OnStarting(static state => ((Entry)state).Write(started: true), entry);
                context.Response.OnCompleted(static state => ((Entry)state).Write(started: false), entry);
            }

            return next(context);
        });
    }

    private sealed class Entry(HttpContext context, string route, DateTimeOffset at, ILogger logger)
    {
        private int _written;

        public Task Write(bool started)
        {
            if (Interlocked.Exchange(ref _written, 1) == 1)
            {
                return Task.CompletedTask;
            }

            var address = context.GetClientAddress();
            var status = !started && context.RequestAborted.IsCancellationRequested ? ClientClosedRequest : context.Response.StatusCode;
            Log.AdminCall(
                logger,
                context.Request.Method,
                route,
                ApiCaller.Of(context),
                address.ClientText,
                address.Proxy?.ToString() ?? "none",
                at.UtcDateTime,
                status,
                Outcome(status));
            return Task.CompletedTask;
        }

        private static string Outcome(int status) => status switch
        {
            < 400 => "succeeded",
            StatusCodes.Status401Unauthorized => "unauthenticated",
            StatusCodes.Status403Forbidden => "forbidden",
            StatusCodes.Status429TooManyRequests => "throttled",
            StatusCodes.Status503ServiceUnavailable => "unavailable",
            ClientClosedRequest => "abandoned",
            _ => "failed",
        };
    }
}
