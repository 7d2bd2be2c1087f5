using System.Text.Json;
using Care2Connect.Api.Data;
using Care2Connect.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Care2Connect.Tests.Integration;

/// <summary>
/// The API on its own, with a database that does not answer: it must start, stay alive, report unready, and
/// turn database failures into 503 ProblemDetails with Retry-After.
/// </summary>
public sealed class ApiWithoutDatabaseTests : IDisposable
{
    // Any type of the API's assembly locates its entry point; `Program` is ambiguous here (the AppHost has one too).
    private readonly WebApplicationFactory<CareDbContext> _factory = new WebApplicationFactory<CareDbContext>().WithWebHostBuilder(host => host
        .UseEnvironment("Production")
        // Port 9 (discard) on loopback: connections are refused at once.
        .UseSetting("ConnectionStrings:care2connect", "Host=127.0.0.1;Port=9;Username=none;Password=none;Database=none;Timeout=2")
        .UseSetting("Aspire:Npgsql:EntityFrameworkCore:PostgreSQL:DisableRetry", "true")
        .UseSetting("Auth:OperatorKeys:0", "operator-test-key")
        .UseSetting("Database:Migration:RetryDelay", "00:00:00.200")
        .UseTestListeners());

    [Fact]
    public async Task Starts_and_answers_alive_while_the_database_is_down_but_is_not_ready()
    {
        using var client = _factory.CreateClient();

        using var alive = await client.GetAsync("/alive");
        using var ready = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var body = await ready.Content.ReadAsStringAsync();
        Assert.Equal("Unhealthy", body);
    }

    [Fact]
    public async Task A_request_that_needs_the_database_gets_503_with_retry_after()
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", "operator-test-key");

        using var response = await client.GetAsync($"/api/tickets/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.DoesNotContain("Password", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    public void Dispose() => _factory.Dispose();
}
