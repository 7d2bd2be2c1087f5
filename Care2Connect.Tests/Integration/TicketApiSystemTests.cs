using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Care2Connect.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Care2Connect.Tests.Integration;

/// <summary>The ticket API over real HTTP, against the real AppHost and a real PostgreSQL server.</summary>
[Collection(AppHostCollection.Name)]
public sealed class TicketApiSystemTests(Care2ConnectAppFixture fixture) : IClassFixture<Care2ConnectAppFixture>
{
    private static readonly object Jane = new { displayName = "Jane", contactType = "EMAIL", contactValue = "jane.doe@example.org" };

    [Fact]
    public async Task A_ticket_makes_the_full_round_trip()
    {
        using var api = fixture.CreateApiClient(fixture.OperatorKey);

        // Create.
        using var created = await api.PostAsJsonAsync("/api/tickets", Jane);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var ticket = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = ticket.GetProperty("id").GetGuid();
        Assert.Equal($"/api/tickets/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("DRAFT", ticket.GetProperty("status").GetString());
        var etag = created.Headers.ETag;
        Assert.NotNull(etag);

        // Read: the operator sees the full contact.
        using var read = await api.GetAsync($"/api/tickets/{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var readBack = await read.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("jane.doe@example.org", readBack.GetProperty("contactValue").GetString());
        Assert.Equal(etag, read.Headers.ETag);

        // List: filtered by status, contact masked.
        var page = await api.GetFromJsonAsync<JsonElement>("/api/tickets?status=DRAFT&page=1&pageSize=100");
        var listed = page.GetProperty("items").EnumerateArray().Single(t => t.GetProperty("id").GetGuid() == id);
        Assert.Equal("j***@example.org", listed.GetProperty("maskedContactValue").GetString());
        Assert.False(listed.TryGetProperty("contactValue", out _));
        Assert.DoesNotContain("jane.doe", page.GetRawText(), StringComparison.Ordinal);

        // Update with the current ETag: moves to RECORDING and gets a new version.
        using var update = Put(id, new { displayName = "Jane D.", contactType = "PHONE", contactValue = "+44 20 7946 0958", status = "RECORDING" }, etag);
        using var updated = await api.SendAsync(update);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var afterUpdate = await updated.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("RECORDING", afterUpdate.GetProperty("status").GetString());
        Assert.Equal("Jane D.", afterUpdate.GetProperty("displayName").GetString());
        Assert.NotEqual(etag, updated.Headers.ETag);

        // The old ETag no longer matches: 412, and nothing changes.
        using var stale = Put(id, new { displayName = "Overwritten", contactType = "NONE", status = "RECORDING" }, etag);
        using var staleResponse = await api.SendAsync(stale);
        await AssertProblemAsync(staleResponse, HttpStatusCode.PreconditionFailed);
        var unchanged = await api.GetFromJsonAsync<JsonElement>($"/api/tickets/{id}");
        Assert.Equal("Jane D.", unchanged.GetProperty("displayName").GetString());

        // Skipping straight to PUBLISHED is illegal: 409.
        using var skip = Put(id, new { displayName = "Jane D.", contactType = "NONE", status = "PUBLISHED" }, updated.Headers.ETag);
        using var skipped = await api.SendAsync(skip);
        await AssertProblemAsync(skipped, HttpStatusCode.Conflict);

        // Delete, then it is gone.
        using var deleted = await api.DeleteAsync($"/api/tickets/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await api.GetAsync($"/api/tickets/{id}");
        await AssertProblemAsync(gone, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Anonymous_callers_may_create_but_nothing_else()
    {
        using var operatorClient = fixture.CreateApiClient(fixture.OperatorKey);
        using var created = await operatorClient.PostAsJsonAsync("/api/tickets", Jane);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        foreach (var key in new[] { null, "wrong-key", fixture.OperatorKey + "x", string.Empty })
        {
            using var client = fixture.CreateApiClient(key);
            await AssertProblemAsync(await client.GetAsync($"/api/tickets/{id}"), HttpStatusCode.Unauthorized);
            await AssertProblemAsync(await client.GetAsync("/api/tickets"), HttpStatusCode.Unauthorized);
            await AssertProblemAsync(await client.SendAsync(Put(id, new { displayName = "x", contactType = "NONE", status = "DRAFT" }, null)), HttpStatusCode.Unauthorized);
            await AssertProblemAsync(await client.DeleteAsync($"/api/tickets/{id}"), HttpStatusCode.Unauthorized);
        }

        // The admin key is an operator key too.
        using var admin = fixture.CreateApiClient(fixture.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/tickets/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/tickets/{id}")).StatusCode);
    }

    [Fact]
    public async Task Anonymous_create_works_then_is_rate_limited_with_retry_after()
    {
        using var anonymous = fixture.CreateApiClient();

        using var first = await anonymous.PostAsJsonAsync("/api/tickets", Jane);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        HttpResponseMessage? limited = null;
        for (var i = 1; i <= fixture.CreatePermitLimit && limited is null; i++)
        {
            var response = await anonymous.PostAsJsonAsync("/api/tickets", Jane);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        using (limited)
        {
            await AssertProblemAsync(limited, HttpStatusCode.TooManyRequests);
            Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 must carry Retry-After");
        }

        // Operators are not limited by the anonymous budget.
        using var operatorClient = fixture.CreateApiClient(fixture.OperatorKey);
        using var byOperator = await operatorClient.PostAsJsonAsync("/api/tickets", Jane);
        Assert.Equal(HttpStatusCode.Created, byOperator.StatusCode);
    }

    public static TheoryData<string, string> InvalidBodies => new()
    {
        { """{"contactType":"EMAIL","contactValue":"a@example.org"}""", "displayName" },
        { """{"displayName":"Jane","contactType":"FAX","contactValue":"a@example.org"}""", "contactType" },
        { """{"displayName":"Jane","contactType":"EMAIL","contactValue":"not-an-email"}""", "contactValue" },
        { """{"displayName":"Jane","contactType":"PHONE","contactValue":"12"}""", "contactValue" },
        { """{"displayName":"Jane","contactType":"NONE","contactValue":"a@example.org"}""", "contactValue" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_fields_are_400_naming_the_field(string body, string field)
    {
        using var api = fixture.CreateApiClient(fixture.OperatorKey);

        using var response = await api.PostAsync("/api/tickets", new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Fact]
    public async Task Invalid_updates_and_queries_are_400()
    {
        using var api = fixture.CreateApiClient(fixture.OperatorKey);
        using var created = await api.PostAsJsonAsync("/api/tickets", Jane);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var badStatus = await AssertProblemAsync(
            await api.SendAsync(Put(id, new { displayName = "Jane", contactType = "NONE", status = "ARCHIVED" }, null)),
            HttpStatusCode.BadRequest);
        Assert.True(badStatus.GetProperty("errors").TryGetProperty("status", out _));

        await AssertProblemAsync(await api.GetAsync("/api/tickets?status=LOST"), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await api.GetAsync("/api/tickets?pageSize=1000"), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await api.GetAsync("/api/tickets?page=0"), HttpStatusCode.BadRequest);
        await AssertProblemAsync(await api.GetAsync("/api/tickets?page=abc"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Malformed_non_json_and_oversized_bodies_get_clear_errors_never_500()
    {
        using var api = fixture.CreateApiClient(fixture.OperatorKey);

        await AssertProblemAsync(
            await api.PostAsync("/api/tickets", new StringContent("{\"displayName\": ", Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest);
        await AssertProblemAsync(
            await api.PostAsync("/api/tickets", new StringContent("[1,2,3]", Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest);
        await AssertProblemAsync(
            await api.PostAsync("/api/tickets", new StringContent("displayName=Jane", Encoding.UTF8, "text/plain")),
            HttpStatusCode.UnsupportedMediaType);

        // A declared length over the limit is refused before anything is read. (A chunked body that outgrows
        // the limit mid-read is refused by Kestrel while the client may still be sending, so the client can see
        // a reset instead of the 413: that path is proven in BadRequestExceptionHandlerTests.)
        var huge = JsonSerializer.Serialize(new { displayName = new string('a', 200_000), contactType = "NONE" });
        await AssertProblemAsync(
            await api.PostAsync("/api/tickets", new StringContent(huge, Encoding.UTF8, "application/json")),
            HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Unknown_ids_are_404_for_every_verb()
    {
        using var api = fixture.CreateApiClient(fixture.OperatorKey);
        var unknown = Guid.NewGuid();

        await AssertProblemAsync(await api.GetAsync($"/api/tickets/{unknown}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await api.SendAsync(Put(unknown, new { displayName = "Jane", contactType = "NONE", status = "DRAFT" }, null)), HttpStatusCode.NotFound);
        await AssertProblemAsync(await api.DeleteAsync($"/api/tickets/{unknown}"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/tickets/not-a-guid")).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_ticket_endpoints()
    {
        using var api = fixture.CreateApiClient(endpoint: Care2ConnectAppFixture.InternalEndpoint);

        var document = await api.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/tickets", out _));
        Assert.True(paths.TryGetProperty("/api/tickets/{id}", out _));
    }

    [Fact]
    public async Task Health_bodies_reveal_status_only()
    {
        using var api = fixture.CreateApiClient();
        using var internalApi = fixture.CreateApiClient(endpoint: Care2ConnectAppFixture.InternalEndpoint);

        using var alive = await api.GetAsync("/alive");
        using var ready = await internalApi.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal("Healthy", await alive.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Health_admin_and_openapi_answer_on_the_internal_endpoint_only_never_on_http_or_through_the_tunnel()
    {
        using var publicApi = fixture.CreateApiClient(fixture.AdminKey);
        using var internalApi = fixture.CreateApiClient(fixture.AdminKey, Care2ConnectAppFixture.InternalEndpoint);
        using var tunnel = fixture.App.CreateHttpClient("tunnel", "public");
        tunnel.DefaultRequestHeaders.Add("X-Api-Key", fixture.AdminKey);

        // The hidden routes look exactly like a route that does not exist.
        var unknown = await AssertProblemAsync(await publicApi.GetAsync("/no-such-route"), HttpStatusCode.NotFound);
        foreach (var path in new[] { "/health", "/health/slow-queries", "/openapi/v1.json" })
        {
            var hidden = await AssertProblemAsync(await publicApi.GetAsync(path), HttpStatusCode.NotFound);
            Assert.Equal(unknown.GetProperty("title").GetString(), hidden.GetProperty("title").GetString());
            Assert.Equal(HttpStatusCode.NotFound, (await tunnel.GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await internalApi.GetAsync(path)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await publicApi.GetAsync("/alive")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await tunnel.GetAsync("/alive")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await internalApi.GetAsync("/alive")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await tunnel.GetAsync("/api/tickets")).StatusCode);
    }

    [Fact]
    public async Task The_monitor_probes_the_api_on_its_internal_endpoint()
    {
        // /health/status answers only on the internal endpoint: the Monitor seeing it UP proves where it probes.
        const string expected = "api-status is UP";
        var logs = fixture.App.Services.GetRequiredService<ResourceLoggerService>();
        var monitor = fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == "monitor");

        // The watch replays the console log from the start, then follows it.
        using var timeout = new CancellationTokenSource(Care2ConnectAppFixture.DefaultTimeout);
        await foreach (var batch in logs.WatchAsync(monitor).WithCancellation(timeout.Token))
        {
            if (batch.Any(line => line.Content.Contains(expected, StringComparison.Ordinal)))
            {
                return;
            }
        }

        Assert.Fail($"The monitor never logged \"{expected}\"");
    }

    [Fact]
    public async Task The_simulated_tunnel_forwards_the_public_side_to_the_api_and_speaks_cloudflareds_interface()
    {
        using var metrics = fixture.App.CreateHttpClient("tunnel", "metrics");
        using var publicSide = fixture.App.CreateHttpClient("tunnel", "public");

        var ready = await metrics.GetFromJsonAsync<JsonElement>("/ready");
        Assert.Equal(200, ready.GetProperty("status").GetInt32());
        Assert.True(ready.GetProperty("readyConnections").GetInt32() > 0);
        Assert.False(string.IsNullOrEmpty(ready.GetProperty("connectorId").GetString()));
        Assert.Matches(@"(?m)^cloudflared_tunnel_ha_connections [1-9]", await metrics.GetStringAsync("/metrics"));

        // Public URL -> tunnel -> API, anonymous create included.
        using var created = await publicSide.PostAsJsonAsync("/api/tickets", new { displayName = "via the tunnel", contactType = "NONE" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await publicSide.GetAsync("/api/tickets")).StatusCode);
    }

    private static HttpRequestMessage Put(Guid id, object body, EntityTagHeaderValue? ifMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/tickets/{id}") { Content = JsonContent.Create(body) };
        if (ifMatch is not null)
        {
            request.Headers.IfMatch.Add(ifMatch);
        }

        return request;
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
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
            return problem;
        }
    }
}
