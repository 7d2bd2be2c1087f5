using System.Net.Http.Headers;
using System.Text.Json;
using Care2Connect.AppHost.Scaling;
using Care2Connect.Tests.Infrastructure;
using static Care2Connect.Tests.Infrastructure.MonitorStatus;

namespace Care2Connect.Tests.Integration;

/// <summary>
/// The AppHost with <c>Api:Instances=2</c>: <c>api</c> and <c>api-2</c> on the same database. Only <c>api-2</c> knows an
/// external dependency that does not answer, so only it has something to recover; the cooldown it claims must stop
/// <c>api</c> too, and the Monitor, which watches <c>api</c>, must see nothing of it.
/// </summary>
public sealed class TwoApiInstancesFixture : Care2ConnectAppFixture
{
    public const string Second = "api-2";

    protected override IEnumerable<string> AppHostArguments => [$"{ApiInstanceExtensions.InstancesKey}=2"];

    protected override void Configure(IDistributedApplicationTestingBuilder builder)
    {
        // A cooldown long enough that the second request certainly falls inside it, on both instances.
        foreach (var name in new[] { ApiInstanceExtensions.FirstInstanceName, Second })
        {
            builder.CreateResourceBuilder<BuiltProjectResource>(name).WithEnvironment("Recovery__Cooldown", "00:05:00");
        }

        var silent = $"http://127.0.0.1:{TestPorts.Free()}/";
        builder.CreateResourceBuilder<BuiltProjectResource>(Second)
            .WithEnvironment("Recovery__Dependencies__payments__Url", silent)
            .WithEnvironment("Recovery__Dependencies__payments__Timeout", "00:00:01")
            .WithEnvironment("Recovery__Dependencies__payments__Critical", "false");
    }
}

[Collection(AppHostCollection.Name)]
public sealed class ApiInstancesSystemTests(TwoApiInstancesFixture fixture) : IClassFixture<TwoApiInstancesFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Both_instances_serve_and_one_idempotency_key_sent_to_both_makes_one_ticket()
    {
        await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(TwoApiInstancesFixture.Second).WaitAsync(Timeout);
        using var one = Client(ApiInstanceExtensions.FirstInstanceName, fixture.OperatorKey);
        using var two = Client(TwoApiInstancesFixture.Second, fixture.OperatorKey);
        Assert.NotEqual(one.BaseAddress, two.BaseAddress);
        foreach (var client in new[] { one, two })
        {
            using var alive = await client.GetAsync("/alive");
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        }

        var key = $"two-instances-{Guid.NewGuid():N}";
        var body = new { displayName = "Across instances", contactType = "NONE" };
        var first = await CreateAsync(one, key, body);
        var second = await CreateAsync(two, key, body);
        Assert.Equal(first, second);

        using var read = await two.GetAsync($"/api/tickets/{first}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        // The other way round too: a key first seen by the second instance is the same ticket on the first.
        var reverseKey = $"two-instances-reverse-{Guid.NewGuid():N}";
        Assert.Equal(await CreateAsync(two, reverseKey, body), await CreateAsync(one, reverseKey, body));
    }

    [Fact]
    public async Task The_recovery_cooldown_one_instance_claims_refuses_the_other_and_both_see_the_attempt()
    {
        await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(TwoApiInstancesFixture.Second).WaitAsync(Timeout);
        using var one = Client(ApiInstanceExtensions.FirstInstanceName, fixture.AdminKey, internalEndpoint: true);
        using var two = Client(TwoApiInstancesFixture.Second, fixture.AdminKey, internalEndpoint: true);

        // api-2 has an unhealthy dependency once its recovery service has probed it.
        await Eventually.HoldsAsync(
            async () =>
            {
                var status = await two.GetFromJsonAsync<JsonElement>("/health/status");
                return status.GetProperty("components").EnumerateArray().Any(c => c.GetProperty("name").GetString()!.Contains("payments", StringComparison.Ordinal)
                    && string.Equals(c.GetProperty("status").GetString(), "unhealthy", StringComparison.OrdinalIgnoreCase));
            },
            "api-2 never saw its dependency down");

        // api-2 acts: on this request, or already on its own (its recovery service acts on what it finds unhealthy).
        using (var asked = await two.PostAsJsonAsync("/health/recover", new { reason = "payments down, from api-2" }))
        {
            var text = await asked.Content.ReadAsStringAsync();
            Assert.True(asked.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"{(int)asked.StatusCode}: {text}");
        }

        var history = await two.GetFromJsonAsync<JsonElement>("/health/recovery-stats");
        var attempt = history.GetProperty("recent").EnumerateArray().First().GetProperty("id").GetGuid();

        // One history: api reports api-2's attempt, and neither instance recorded a second one.
        var stats = await one.GetFromJsonAsync<JsonElement>("/health/recovery-stats");
        Assert.Equal(attempt, stats.GetProperty("recent").EnumerateArray().First().GetProperty("id").GetGuid());
        Assert.Equal(
            history.GetProperty("recent").EnumerateArray().Select(a => a.GetProperty("id").GetGuid()),
            stats.GetProperty("recent").EnumerateArray().Select(a => a.GetProperty("id").GetGuid()));

        // The cooldown api-2's attempt claimed holds api back too, though api has nothing unhealthy of its own.
        using var refused = await one.PostAsJsonAsync("/health/recover", new { reason = "from api, inside api-2's cooldown" });
        var problem = await refused.Content.ReadAsStringAsync();
        Assert.True(refused.StatusCode == HttpStatusCode.TooManyRequests, $"{(int)refused.StatusCode}: {problem}");
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(refused.Headers.RetryAfter);
    }

    [Fact]
    public async Task The_monitor_watches_the_first_instance_as_it_would_alone()
    {
        using var monitor = fixture.CreateMonitorClient();
        var status = await WaitForAsync(monitor, s => State(s, "api-status") == "up" && State(s, "database") == "up", "the Monitor never saw the API up");
        Assert.DoesNotContain(status.GetProperty("components").EnumerateArray(), c => c.GetProperty("name").GetString()!.Contains(TwoApiInstancesFixture.Second, StringComparison.Ordinal));

        // api-2's unhealthy dependency is not the Monitor's concern: the API it watches reports no such component.
        Assert.DoesNotContain(status.GetProperty("components").EnumerateArray(), c => c.GetProperty("name").GetString()!.Contains("payments", StringComparison.Ordinal));
    }

    private HttpClient Client(string instance, string key, bool internalEndpoint = false)
    {
        var client = fixture.App.CreateHttpClient(instance, internalEndpoint ? Care2ConnectAppFixture.InternalEndpoint : Care2ConnectAppFixture.PublicEndpoint);
        client.Timeout = Timeout;
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    private static async Task<Guid> CreateAsync(HttpClient client, string key, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tickets") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }
}
