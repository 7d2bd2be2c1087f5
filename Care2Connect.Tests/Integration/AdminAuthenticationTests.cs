using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Care2Connect.Api.Http;
using Care2Connect.Tests.Infrastructure;

namespace Care2Connect.Tests.Integration;

/// <summary>
/// Admin authentication on a real admin route (<c>GET /health/slow-queries</c>), in-process: keys missing, wrong,
/// right and rotated; no admin key at all; brute force through a trusted proxy; the audit trail; and that no key
/// ever reaches a log, a trace or a response.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class AdminAuthenticationTests(TestPostgresServer server) : IClassFixture<TestPostgresServer>
{
    private const string AdminRoute = "/health/slow-queries";
    private const string NextAdminKey = "admin-next-test-key";
    private const string WrongKey = "admin-guess-0000";
    private const string Proxy = "10.0.0.2";
    private const string Guesser = "203.0.113.7";

    [Fact]
    public async Task Missing_wrong_operator_and_right_keys_get_401_401_403_and_200()
    {
        await using var api = new ApiFactory(server, new Dictionary<string, string?>());

        using (var missing = api.CreateApiClient())
        {
            var problem = await AssertProblemAsync(await missing.GetAsync(AdminRoute), HttpStatusCode.Unauthorized);
            Assert.Equal("Authentication required", problem.GetProperty("title").GetString());
        }

        using (var wrong = api.CreateApiClient(WrongKey))
        {
            await AssertProblemAsync(await wrong.GetAsync(AdminRoute), HttpStatusCode.Unauthorized);
        }

        using (var operatorClient = api.CreateApiClient(ApiFactory.OperatorKey))
        {
            await AssertProblemAsync(await operatorClient.GetAsync(AdminRoute), HttpStatusCode.Forbidden);
        }

        using var admin = api.CreateApiClient(ApiFactory.AdminKey);
        using var ok = await admin.GetAsync(AdminRoute);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Two_admin_keys_work_side_by_side_and_a_removed_key_is_refused()
    {
        // Rotation, step 1: the new key is added next to the old one; both work.
        await using (var both = new ApiFactory(server, new Dictionary<string, string?> { ["Auth:AdminKeys:1"] = NextAdminKey }))
        {
            using var oldKey = both.CreateApiClient(ApiFactory.AdminKey);
            using var newKey = both.CreateApiClient(NextAdminKey);
            Assert.Equal(HttpStatusCode.OK, (await oldKey.GetAsync(AdminRoute)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await newKey.GetAsync(AdminRoute)).StatusCode);

            // The audit tells which key was used, so one can see when the old one is no longer in use.
            await AssertLogAsync(both, line => line.Contains("by admin#0", StringComparison.Ordinal));
            await AssertLogAsync(both, line => line.Contains("by admin#1", StringComparison.Ordinal));
        }

        // Step 2: the old key is removed; only the new one works.
        await using var rotated = new ApiFactory(server, new Dictionary<string, string?> { ["Auth:AdminKeys:0"] = NextAdminKey });
        using (var oldKey = rotated.CreateApiClient(ApiFactory.AdminKey))
        {
            await AssertProblemAsync(await oldKey.GetAsync(AdminRoute), HttpStatusCode.Unauthorized);
        }

        using var newOnly = rotated.CreateApiClient(NextAdminKey);
        Assert.Equal(HttpStatusCode.OK, (await newOnly.GetAsync(AdminRoute)).StatusCode);
    }

    [Fact]
    public async Task Without_any_admin_key_configured_admin_routes_answer_503_whatever_the_key()
    {
        await using var api = new ApiFactory(server, new Dictionary<string, string?> { ["Auth:AdminKeys:0"] = string.Empty });

        foreach (var key in new[] { null, ApiFactory.OperatorKey, ApiFactory.AdminKey, WrongKey })
        {
            using var client = api.CreateApiClient(key);
            var problem = await AssertProblemAsync(await client.GetAsync(AdminRoute), HttpStatusCode.ServiceUnavailable);
            Assert.Equal(ProblemTypes.AdminNotConfigured, problem.GetProperty("type").GetString());
        }

        // Operator routes are not affected.
        using var operatorClient = api.CreateApiClient(ApiFactory.OperatorKey);
        Assert.NotEqual(HttpStatusCode.ServiceUnavailable, (await operatorClient.GetAsync("/alive")).StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, (await operatorClient.GetAsync($"/api/tickets/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task A_guesser_behind_the_proxy_is_throttled_without_locking_out_anyone_else()
    {
        await using var api = new ApiFactory(server, new Dictionary<string, string?> { ["Api:TrustedProxies:0"] = Proxy });
        using var guesser = api.CreateApiClient(peer: Proxy);
        guesser.DefaultRequestHeaders.Add("CF-Connecting-IP", Guesser);

        for (var i = 0; i < 10; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, AdminRoute) { Headers = { { "X-Api-Key", $"guess-{i}" } } };
            await AssertProblemAsync(await guesser.SendAsync(request), HttpStatusCode.Unauthorized);
        }

        // The 11th guess, and then even the right key, from the same client: the distinct 429.
        foreach (var key in new[] { "guess-10", ApiFactory.AdminKey })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, AdminRoute) { Headers = { { "X-Api-Key", key } } };
            using var response = await guesser.SendAsync(request);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 must carry Retry-After");
            var problem = await AssertProblemAsync(response, HttpStatusCode.TooManyRequests);
            Assert.Equal(ProblemTypes.TooManyFailedAuthentications, problem.GetProperty("type").GetString());
            Assert.NotEqual(ProblemTypes.RecoveryCooldown, problem.GetProperty("type").GetString());
        }

        // Everyone else still gets in with the right key: a direct caller (the operator), the proxy itself (the
        // Monitor on this machine), another client behind the proxy, and a caller who sends the guesser's address
        // without being a trusted proxy (the header is not believed, so it cannot lock out that address).
        foreach (var (peer, forwardedFor) in new[] { ("198.51.100.20", null), (Proxy, null), (Proxy, "203.0.113.8"), ("198.51.100.21", Guesser) })
        {
            using var client = api.CreateApiClient(ApiFactory.AdminKey, peer: peer);
            if (forwardedFor is not null)
            {
                client.DefaultRequestHeaders.Add("CF-Connecting-IP", forwardedFor);
            }

            using var response = await client.GetAsync(AdminRoute);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{peer} as {forwardedFor}: {(int)response.StatusCode}");
        }

        // Requests without a key are neither counted nor refused by the throttle.
        using var anonymous = api.CreateApiClient(peer: Proxy);
        anonymous.DefaultRequestHeaders.Add("CF-Connecting-IP", Guesser);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/alive")).StatusCode);
        await AssertProblemAsync(await anonymous.GetAsync(AdminRoute), HttpStatusCode.Unauthorized);

        await AssertLogAsync(api, line => line.Contains("[3003]", StringComparison.Ordinal) && line.Contains(Guesser, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_admin_call_is_audited_with_who_when_where_and_outcome()
    {
        await using var api = new ApiFactory(server, new Dictionary<string, string?>
        {
            ["Api:TrustedProxies:0"] = Proxy,
            ["Auth:FailedAttempts:Limit"] = "2",
        });
        var before = DateTime.UtcNow.AddSeconds(-1);

        using (var viaProxy = api.CreateApiClient(ApiFactory.AdminKey, peer: Proxy))
        {
            viaProxy.DefaultRequestHeaders.Add("CF-Connecting-IP", Guesser);
            Assert.Equal(HttpStatusCode.OK, (await viaProxy.GetAsync(AdminRoute)).StatusCode);
        }

        using (var anonymous = api.CreateApiClient(peer: "198.51.100.30"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(AdminRoute)).StatusCode);
        }

        using (var operatorClient = api.CreateApiClient(ApiFactory.OperatorKey, peer: "198.51.100.31"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await operatorClient.GetAsync(AdminRoute)).StatusCode);
        }

        using (var wrong = api.CreateApiClient(WrongKey, peer: "198.51.100.32"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync(AdminRoute)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync(AdminRoute)).StatusCode);
            Assert.Equal(HttpStatusCode.TooManyRequests, (await wrong.GetAsync(AdminRoute)).StatusCode);
        }

        var audit = await Eventually.ValueAsync(
            () => Task.FromResult<List<string>?>([.. api.Logs.Where(line => line.Contains("Care2Connect.Audit [3101]", StringComparison.Ordinal))]),
            lines => lines?.Count >= 6);

        Assert.Equal(6, audit.Count);
        Assert.Contains(audit, line => line.Contains($"GET {AdminRoute} by admin#0 from {Guesser} via {Proxy}", StringComparison.Ordinal) && line.EndsWith(": 200 succeeded", StringComparison.Ordinal));
        Assert.Contains(audit, line => line.Contains("by anonymous from 198.51.100.30 via none", StringComparison.Ordinal) && line.EndsWith(": 401 unauthenticated", StringComparison.Ordinal));
        Assert.Contains(audit, line => line.Contains("by operator#0 from 198.51.100.31", StringComparison.Ordinal) && line.EndsWith(": 403 forbidden", StringComparison.Ordinal));
        Assert.Equal(2, audit.Count(line => line.Contains("by invalid-key from 198.51.100.32", StringComparison.Ordinal) && line.EndsWith(": 401 unauthenticated", StringComparison.Ordinal)));
        Assert.Contains(audit, line => line.Contains("by invalid-key from 198.51.100.32", StringComparison.Ordinal) && line.EndsWith(": 429 throttled", StringComparison.Ordinal));

        // When: an ISO 8601 UTC timestamp of the call.
        var stamp = System.Text.RegularExpressions.Regex.Match(audit[0], @" at (\S+Z): ").Groups[1].Value;
        var at = DateTime.Parse(stamp, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind);
        Assert.Equal(DateTimeKind.Utc, at.Kind);
        Assert.InRange(at, before, DateTime.UtcNow);

        // Routes that are not admin routes are not audited.
        using var operatorAgain = api.CreateApiClient(ApiFactory.OperatorKey);
        await operatorAgain.GetAsync("/alive");
        Assert.Equal(6, api.Logs.Count(line => line.Contains("Care2Connect.Audit [3101]", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task No_key_ever_appears_in_logs_traces_or_responses()
    {
        var traces = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                traces.Enqueue(activity.DisplayName);
                foreach (var tag in activity.TagObjects)
                {
                    traces.Enqueue($"{tag.Key}={tag.Value}");
                }

                foreach (var activityEvent in activity.Events)
                {
                    traces.Enqueue(activityEvent.Name);
                    traces.Enqueue(string.Join(';', activityEvent.Tags.Select(t => $"{t.Key}={t.Value}")));
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        await using var api = new ApiFactory(server, new Dictionary<string, string?>
        {
            ["Auth:AdminKeys:1"] = NextAdminKey,
            ["Api:TrustedProxies:0"] = Proxy,
            ["Auth:FailedAttempts:Limit"] = "3",
        });
        using var ready = await api.CreateReadyClientAsync();
        var responses = new List<string>();
        var keys = new[] { ApiFactory.AdminKey, NextAdminKey, ApiFactory.OperatorKey, WrongKey };

        // Successes and failures of every kind, on admin, operator and anonymous routes, both listeners.
        foreach (var key in keys)
        {
            foreach (var listenerKind in new[] { Listener.Internal, Listener.Public })
            {
                using var client = api.CreateApiClient(key, listenerKind, peer: Proxy);
                client.DefaultRequestHeaders.Add("CF-Connecting-IP", Guesser);
                foreach (var path in new[] { "/api/tickets", $"/api/tickets/{Guid.NewGuid()}", "/health", "/no-such-route", AdminRoute })
                {
                    using var response = await client.GetAsync(path);
                    responses.Add(response.Headers + (await response.Content.ReadAsStringAsync()));
                }

                using var created = await client.PostAsJsonAsync("/api/tickets", new { displayName = "keys", contactType = "NONE" });
                responses.Add(created.Headers + (await created.Content.ReadAsStringAsync()));
            }
        }

        // Wrong keys were throttled along the way, so the 429 path is covered too.
        Assert.Contains(responses, body => body.Contains(ProblemTypes.TooManyFailedAuthentications, StringComparison.Ordinal));
        await AssertLogAsync(api, line => line.Contains("Care2Connect.Audit [3101]", StringComparison.Ordinal) && line.Contains("429", StringComparison.Ordinal));
        Assert.NotEmpty(traces);

        foreach (var key in keys)
        {
            Assert.DoesNotContain(api.Logs, line => line.Contains(key, StringComparison.Ordinal));
            Assert.DoesNotContain(traces, line => line.Contains(key, StringComparison.Ordinal));
            Assert.DoesNotContain(responses, body => body.Contains(key, StringComparison.Ordinal));
        }
    }

    private static Task AssertLogAsync(ApiFactory api, Func<string, bool> match) =>
        Eventually.HoldsAsync(() => Task.FromResult(api.Logs.Any(match)), "the expected log line was never written", TimeSpan.FromSeconds(10));

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
