using System.Text.Json;
using Care2Connect.Tests.Infrastructure;

namespace Care2Connect.Tests.Integration;

/// <summary>
/// The two listeners, in-process: on the public one (the tunnel's origin) only the ticket routes and
/// <c>/alive</c> answer; health, admin routes and OpenAPI look exactly like routes that do not exist.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class PublicListenerTests(TestPostgresServer server) : IClassFixture<TestPostgresServer>
{
    private const string AdminRoute = "/health/slow-queries";

    [Fact]
    public async Task The_public_listener_serves_tickets_and_alive_and_hides_everything_else_as_unknown_routes()
    {
        await using var api = new ApiFactory(server, new Dictionary<string, string?>());
        using var ready = await api.CreateReadyClientAsync();
        using var publicAdmin = api.CreateApiClient(ApiFactory.AdminKey, Listener.Public);
        using var publicAnonymous = api.CreateApiClient(listener: Listener.Public);

        var unknown = await AssertProblemAsync(await publicAdmin.GetAsync("/no-such-route"), HttpStatusCode.NotFound);
        foreach (var path in new[] { "/health", AdminRoute, "/openapi/v1.json" })
        {
            foreach (var client in new[] { publicAdmin, publicAnonymous })
            {
                using var response = await client.GetAsync(path);
                var body = await response.Content.ReadAsStringAsync();
                var problem = await AssertProblemAsync(response, HttpStatusCode.NotFound);
                Assert.Equal(unknown.GetProperty("title").GetString(), problem.GetProperty("title").GetString());
                Assert.Equal(unknown.GetProperty("type").GetString(), problem.GetProperty("type").GetString());
                Assert.DoesNotContain("slow", body, StringComparison.OrdinalIgnoreCase);
            }

            // The same route answers on the internal listener.
            using var internalAdmin = api.CreateApiClient(ApiFactory.AdminKey);
            Assert.Equal(HttpStatusCode.OK, (await internalAdmin.GetAsync(path)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await publicAnonymous.GetAsync("/alive")).StatusCode);
        using var created = await publicAnonymous.PostAsJsonAsync("/api/tickets", new { displayName = "public side", contactType = "NONE" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await publicAnonymous.GetAsync("/api/tickets")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await publicAdmin.GetAsync("/api/tickets")).StatusCode);

        // Wrong method or content type: answered as such on a public path, as an unknown route on a hidden one.
        using (var text = await publicAnonymous.PostAsync("/api/tickets", new StringContent("Jane", System.Text.Encoding.UTF8, "text/plain")))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        }

        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await publicAnonymous.PatchAsync("/api/tickets", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await publicAnonymous.DeleteAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await publicAdmin.PostAsync(AdminRoute, null)).StatusCode);
        using (var internalClient = api.CreateApiClient(ApiFactory.AdminKey))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, (await internalClient.PostAsync(AdminRoute, null)).StatusCode);
        }

        // A hidden admin route is never audited as an admin call: it was not one.
        Assert.DoesNotContain(api.Logs, line => line.Contains("Care2Connect.Audit [3101]", StringComparison.Ordinal) && line.Contains("via", StringComparison.Ordinal) && line.Contains(": 404", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_an_internal_port_every_listener_is_public_and_a_warning_says_so()
    {
        await using var api = new ApiFactory(server, new Dictionary<string, string?> { ["Api:InternalPort"] = null });
        using var client = api.CreateApiClient(ApiFactory.AdminKey);

        await AssertProblemAsync(await client.GetAsync("/health"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await client.GetAsync(AdminRoute), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
        Assert.Single(api.Logs, line => line.Contains("[3002]", StringComparison.Ordinal));
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(expected == response.StatusCode, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(body).RootElement.Clone();
            Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
            return problem;
        }
    }
}
