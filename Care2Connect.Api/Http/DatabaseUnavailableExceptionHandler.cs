using System.Globalization;
using Care2Connect.Api.Data.Resilience;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Http;

/// <summary>
/// Turns "the database cannot serve this now" into 503 ProblemDetails with <c>Retry-After</c>: retries exhausted,
/// a command timeout, the breaker open, or (with the hardening switched off) a raw transient failure. A caller
/// sees an outage as an outage, never as a 500 or a hang.
/// </summary>
internal sealed class DatabaseUnavailableExceptionHandler(
    IProblemDetailsService problemDetails,
    IOptionsMonitor<DatabaseResilienceOptions> options,
    ILogger<DatabaseUnavailableExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (httpContext.Response.HasStarted || Describe(exception, options.CurrentValue) is not var (reason, retryAfter, detail))
        {
            return false;
        }

        Log.DatabaseUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path, reason);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The database is unavailable",
                Detail = detail,
                Extensions = { ["reason"] = reason },
            },
        });
    }

    private static (string Reason, TimeSpan RetryAfter, string Detail)? Describe(Exception exception, DatabaseResilienceOptions options) => exception switch
    {
        DatabaseUnavailableException { Reason: DatabaseUnavailableReason.BreakerOpen } e =>
            ("circuit-open", e.RetryAfter, "The database has been failing; requests are refused until it has had time to recover."),
        DatabaseUnavailableException { Reason: DatabaseUnavailableReason.Timeout } e =>
            ("timeout", e.RetryAfter, "The database did not answer in time; the query was cancelled and nothing was changed."),
        DatabaseUnavailableException { Reason: DatabaseUnavailableReason.Interrupted } e =>
            ("interrupted", e.RetryAfter, "The connection to the database was lost while the request ran; it may or may not have taken effect. Check before repeating it."),
        DatabaseUnavailableException e =>
            ("unreachable", e.RetryAfter, "The database could not be reached; the request was not completed."),
        _ when DatabaseFailureClassifier.Classify(exception) is DatabaseFailureKind.Transient or DatabaseFailureKind.Interrupted or DatabaseFailureKind.CommandTimeout =>
            ("unreachable", options.UnavailableRetryAfter, "The database could not be reached; the request was not completed."),
        _ => null,
    };
}
