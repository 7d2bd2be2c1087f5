using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Http;

internal static class HttpPipelineExtensions
{
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

        return builder;
    }

    /// <summary>413 with ProblemDetails for a body whose declared length is over <see cref="ApiHttpOptions.MaxRequestBodyBytes"/>.</summary>
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app) => app.Use(RejectOversizedBodies);

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
}
