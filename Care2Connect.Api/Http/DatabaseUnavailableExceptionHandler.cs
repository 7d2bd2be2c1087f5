using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Care2Connect.Api.Http;

/// <summary>
/// Turns "the database cannot answer right now" into 503 ProblemDetails with <c>Retry-After</c>, so a caller
/// sees an outage as an outage rather than a 500 (or a hang).
/// </summary>
internal sealed class DatabaseUnavailableExceptionHandler(
    IProblemDetailsService problemDetails,
    IOptions<ApiHttpOptions> options,
    ILogger<DatabaseUnavailableExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsDatabaseUnavailable(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }

        Log.DatabaseUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name);
        var retryAfter = options.Value.UnavailableRetryAfter;
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The database is unavailable",
                Detail = "The request was not completed. Try again later.",
            },
        });
    }

    internal static bool IsDatabaseUnavailable(Exception exception) => exception switch
    {
        RetryLimitExceededException => true,
        NpgsqlException { IsTransient: true } => true,
        TimeoutException => true,
        // EF wraps provider failures that happen while saving.
        _ when exception.InnerException is { } inner => IsDatabaseUnavailable(inner),
        _ => false,
    };
}
