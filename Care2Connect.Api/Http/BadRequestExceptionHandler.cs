using Microsoft.AspNetCore.Diagnostics;

namespace Care2Connect.Api.Http;

/// <summary>
/// Bad input that the framework detects while binding (malformed JSON, a body over the limit, a wrong type in
/// the query) surfaces as <see cref="BadHttpRequestException"/> (always in Development, where binding throws).
/// It is the caller's mistake: answer with its own status (400, 413, …) as ProblemDetails, never a 500.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest || httpContext.Response.HasStarted)
        {
            return false;
        }

        httpContext.Response.StatusCode = badRequest.StatusCode;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = badRequest.StatusCode,
                Detail = badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? "The request body is too large."
                    : "The request could not be read: check that the body is well-formed JSON and the parameters have the right types.",
            },
        });
    }
}
