using System.Text.Json;
using Care2Connect.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Care2Connect.Tests.Unit;

/// <summary>
/// Binding failures (a chunked body that outgrows Kestrel's limit mid-read, malformed JSON) arrive as
/// BadHttpRequestException; they must leave as ProblemDetails with their own status, never as a 500.
/// </summary>
public sealed class BadRequestExceptionHandlerTests
{
    [Theory]
    [InlineData(400)]
    [InlineData(413)]
    public async Task Bad_requests_keep_their_status_and_become_problem_details(int status)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();
        var handler = new BadRequestExceptionHandler(services.GetRequiredService<IProblemDetailsService>());

        var handled = await handler.TryHandleAsync(context, new BadHttpRequestException("bad", status), CancellationToken.None);

        Assert.True(handled);
        Assert.Equal(status, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        var problem = await JsonSerializer.DeserializeAsync<JsonElement>(context.Response.Body);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Other_exceptions_are_left_to_the_next_handler()
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var handler = new BadRequestExceptionHandler(services.GetRequiredService<IProblemDetailsService>());

        Assert.False(await handler.TryHandleAsync(new DefaultHttpContext(), new InvalidOperationException(), CancellationToken.None));
    }
}
