using System.Text.Json;
using Care2Connect.Tests.Infrastructure;

namespace Care2Connect.Tests.Integration;

/// <summary>The API's OpenAPI document, in-process: every operation says in one line what it is for.</summary>
[Collection(AppHostCollection.Name)]
public sealed class OpenApiTests(TestPostgresServer server) : IClassFixture<TestPostgresServer>
{
    [Fact]
    public async Task Every_route_in_the_openapi_document_has_a_summary()
    {
        await using var api = new ApiFactory(server, new Dictionary<string, string?>());
        using var admin = api.CreateApiClient(ApiFactory.AdminKey);

        var document = await admin.GetFromJsonAsync<JsonElement>("/openapi/v1.json").WaitAsync(TimeSpan.FromSeconds(60));

        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => (Route: $"{operation.Name.ToUpperInvariant()} {path.Name}", Operation: operation.Value)))
            .ToList();
        Assert.Contains(operations, o => o.Route == "POST /api/tickets");
        Assert.Contains(operations, o => o.Route == "POST /health/breaker/trial");
        var missing = operations
            .Where(o => !o.Operation.TryGetProperty("summary", out var summary) || string.IsNullOrWhiteSpace(summary.GetString()))
            .Select(o => o.Route)
            .ToList();
        Assert.True(missing.Count == 0, $"Routes without a summary: {string.Join(", ", missing)}");

        // Services grouped with [AsParameters] are injected, never parameters a client sends.
        var parameters = operations
            .SelectMany(o => o.Operation.TryGetProperty("parameters", out var list) ? list.EnumerateArray().Select(p => $"{o.Route}: {p.GetProperty("name").GetString()}") : [])
            .ToList();
        Assert.Contains("POST /api/tickets: Idempotency-Key", parameters);
        Assert.DoesNotContain(parameters, p => p.EndsWith(": Database", StringComparison.Ordinal) || p.EndsWith(": Registry", StringComparison.Ordinal) || p.EndsWith(": Loggers", StringComparison.Ordinal));
    }
}
