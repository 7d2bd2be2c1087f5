using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Care2Connect.Api.Data.Entities;
using Care2Connect.Api.Recovery;
using Care2Connect.Api.SpeechIntelligence;
using Care2Connect.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Care2Connect.Tests.Integration;

/// <summary>
/// The recovery service, the health API and the speech intelligence job host, in-process against a real PostgreSQL
/// server the tests stop, start and lock. Each test has a database of its own, so histories do not mix.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class RecoveryTests(TestPostgresServer server, ITestOutputHelper output) : IClassFixture<TestPostgresServer>
{
    [Fact]
    public async Task Status_gives_anonymous_callers_the_words_and_admins_the_details()
    {
        await using var api = new ApiFactory(server, Settings("status"));
        using var anonymous = await ReadyAsync(api, key: null);
        using var admin = api.CreateApiClient(ApiFactory.AdminKey);

        var words = await Eventually.ValueAsync(
            () => anonymous.GetFromJsonAsync<JsonElement>("/health/status"),
            body => body.GetProperty("status").GetString() == "healthy");
        Assert.Equal("healthy", words.GetProperty("status").GetString());
        Assert.Equal("healthy", words.GetProperty("components").GetProperty("database").GetString());
        Assert.Equal(2, words.EnumerateObject().Count());

        var details = await admin.GetFromJsonAsync<JsonElement>("/health/status");
        Assert.Equal("healthy", details.GetProperty("status").GetString());
        var serverInfo = details.GetProperty("server");
        Assert.Equal(Environment.ProcessId, serverInfo.GetProperty("pid").GetInt32());
        Assert.StartsWith("1.0.0+", serverInfo.GetProperty("version").GetString(), StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{40}$", serverInfo.GetProperty("commit").GetString()); // built from a git checkout
        Assert.True(serverInfo.GetProperty("uptimeSeconds").GetDouble() > 0);
        var database = details.GetProperty("database");
        Assert.True(database.GetProperty("healthy").GetBoolean());
        Assert.True(database.GetProperty("latencyMs").GetDouble() > 0);
        Assert.Equal("Closed", database.GetProperty("breakerState").GetString());
        Assert.True(database.GetProperty("pool").GetProperty("max").GetInt64() > 0);
        var names = details.GetProperty("components").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Equal(["database", "database-circuit-breaker", "speech-intelligence"], names);
        var speech = details.GetProperty("speechIntelligence");
        Assert.True(speech.GetProperty("running").GetBoolean());
        Assert.Equal(2, speech.GetProperty("jobs").GetArrayLength());
        Assert.Equal(300, details.GetProperty("recovery").GetProperty("cooldownSeconds").GetDouble());

        // An operator is not an admin: words only.
        using var operatorClient = api.CreateApiClient(ApiFactory.OperatorKey);
        Assert.Equal(2, (await operatorClient.GetFromJsonAsync<JsonElement>("/health/status")).EnumerateObject().Count());
    }

    [Fact]
    public async Task A_database_outage_is_reported_promptly_a_failed_recovery_is_honest_and_a_later_one_is_verified()
    {
        await using var api = new ApiFactory(server, Settings("outage"));
        using var admin = await ReadyAsync(api, ApiFactory.AdminKey);
        admin.Timeout = TimeSpan.FromSeconds(10);

        await server.StopAsync();
        try
        {
            var clock = Stopwatch.StartNew();
            var down = await Eventually.ValueAsync(
                () => admin.GetFromJsonAsync<JsonElement>("/health/status"),
                body => body.GetProperty("database").GetProperty("status").GetString() == "unhealthy",
                TimeSpan.FromSeconds(20));
            output.WriteLine($"database reported unhealthy {clock.Elapsed.TotalSeconds:0.0} s after the stop");
            Assert.Equal("unhealthy", down.GetProperty("status").GetString());
            Assert.False(down.GetProperty("database").GetProperty("healthy").GetBoolean());

            clock.Restart();
            using var words = await admin.GetAsync("/health/status");
            output.WriteLine($"/health/status answered in {clock.Elapsed.TotalMilliseconds:0} ms with the database down");
            Assert.Equal(HttpStatusCode.OK, words.StatusCode);

            var failed = await RecoverAsync(admin, new { reason = "database down (test)", components = new[] { "database" } });
            var attempt = failed.GetProperty("attempt");
            Assert.Equal("failed", attempt.GetProperty("outcome").GetString());
            var database = attempt.GetProperty("components")[0];
            Assert.Equal("unhealthy", database.GetProperty("before").GetProperty("status").GetString());
            Assert.Equal("clear-connection-pool", database.GetProperty("action").GetString());
            Assert.Equal("unhealthy", database.GetProperty("after").GetProperty("status").GetString());

            // The history is buffered while the database is down, and still visible.
            var local = await admin.GetFromJsonAsync<JsonElement>("/health/recovery-stats");
            Assert.Equal("local", local.GetProperty("source").GetString());
            Assert.Equal(1, local.GetProperty("pendingWrites").GetInt32());
        }
        finally
        {
            await server.StartAsync();
        }

        // Back: the buffered attempt is written; a forced attempt on a component that is unhealthy until acted on
        // (the breaker, opened here by hand as an outage would) succeeds, verified by a new probe.
        var breaker = api.Services.GetRequiredService<Care2Connect.Api.Data.Resilience.DatabaseCircuitBreaker>();
        for (var i = 0; i < 5; i++)
        {
            breaker.OnFailure(breaker.TryEnter(out _));
        }

        Assert.Equal(Care2Connect.Api.Data.Resilience.CircuitState.Open, breaker.State);
        var recovered = (await RecoverAsync(admin, new { reason = "database back (test)", force = true, components = new[] { "database", "database-circuit-breaker" } })).GetProperty("attempt");
        Assert.Equal("succeeded", recovered.GetProperty("outcome").GetString());
        var components = recovered.GetProperty("components").EnumerateArray().ToDictionary(c => c.GetProperty("component").GetString()!);
        Assert.Equal("skipped", components["database"].GetProperty("outcome").GetString());
        Assert.Equal("healthy before acting", components["database"].GetProperty("detail").GetString());
        Assert.Equal("succeeded", components["database-circuit-breaker"].GetProperty("outcome").GetString());
        Assert.Equal("healthy", components["database-circuit-breaker"].GetProperty("after").GetProperty("status").GetString());
        Assert.Equal(Care2Connect.Api.Data.Resilience.CircuitState.Closed, breaker.State);

        var stats = await admin.GetFromJsonAsync<JsonElement>("/health/recovery-stats");
        Assert.Equal("database", stats.GetProperty("source").GetString());
        Assert.Equal(0, stats.GetProperty("pendingWrites").GetInt32());
        Assert.Equal(2, stats.GetProperty("attempts").GetInt32());
        Assert.Equal(1, stats.GetProperty("succeeded").GetInt32());
        Assert.Equal(1, stats.GetProperty("failed").GetInt32());
        Assert.Equal(0.5, stats.GetProperty("successRate").GetDouble());
        Assert.True(stats.GetProperty("meanTimeToRecoverMs").GetDouble() >= 0);
        var perComponent = stats.GetProperty("components").EnumerateArray().ToDictionary(c => c.GetProperty("component").GetString()!);
        Assert.Equal(1, perComponent["database"].GetProperty("failed").GetInt32());
        Assert.Equal(1, perComponent["database-circuit-breaker"].GetProperty("succeeded").GetInt32());
        Assert.Equal(2, stats.GetProperty("recent").GetArrayLength());
        Assert.Equal(2, await server.ScalarAsync<long>("SELECT count(*) FROM recovery_attempts", "recovery_outage"));
    }

    [Fact]
    public async Task An_unreachable_external_dependency_is_skipped_and_cooldown_force_and_dry_run_behave()
    {
        await using var api = new ApiFactory(server, Settings("cooldown", Unreachable("payments")));
        using var admin = await ReadyAsync(api, ApiFactory.AdminKey);

        var plan = await RecoverAsync(admin, new { reason = "what would you do?", dryRun = true });
        Assert.True(plan.GetProperty("dryRun").GetBoolean());
        var planned = plan.GetProperty("components").EnumerateArray().ToDictionary(c => c.GetProperty("component").GetString()!);
        Assert.Equal("skip: no local action", planned["payments"].GetProperty("plan").GetString());
        Assert.Equal("skip: not unhealthy", planned["database"].GetProperty("plan").GetString());

        var first = (await RecoverAsync(admin, new { reason = "payments down" })).GetProperty("attempt");
        Assert.Equal("skipped", first.GetProperty("outcome").GetString());
        var payments = first.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("component").GetString() == "payments");
        Assert.Equal("skipped", payments.GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, payments.GetProperty("action").ValueKind);
        Assert.StartsWith("no local action", payments.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using (var cooling = await admin.PostAsJsonAsync("/health/recover", new { reason = "again" }))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, cooling.StatusCode);
            var retryAfter = cooling.Headers.RetryAfter?.Delta;
            Assert.NotNull(retryAfter);
            Assert.InRange(retryAfter.Value.TotalSeconds, 250, 300);
            var problem = await cooling.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(Care2Connect.Api.Http.ProblemTypes.RecoveryCooldown, problem.GetProperty("type").GetString());
        }

        var forced = (await RecoverAsync(admin, new { reason = "again, forced", force = true })).GetProperty("attempt");
        Assert.Equal("skipped", forced.GetProperty("outcome").GetString());
        Assert.NotEqual(first.GetProperty("id").GetGuid(), forced.GetProperty("id").GetGuid());

        var stats = await admin.GetFromJsonAsync<JsonElement>("/health/recovery-stats");
        Assert.Equal(2, stats.GetProperty("attempts").GetInt32());
        Assert.Equal(2, stats.GetProperty("skipped").GetInt32());
        Assert.Equal(0, stats.GetProperty("succeeded").GetInt32());
        Assert.Equal(JsonValueKind.Null, stats.GetProperty("successRate").ValueKind);

        // Bad requests: no reason, unknown component, a trigger only the API may use.
        await AssertValidationProblemAsync(await admin.PostAsJsonAsync("/health/recover", new { reason = " " }), "reason");
        await AssertValidationProblemAsync(await admin.PostAsJsonAsync("/health/recover", new { reason = "x", components = new[] { "nope" } }), "components");
        using var auto = new HttpRequestMessage(HttpMethod.Post, "/health/recover") { Content = JsonContent.Create(new { reason = "x" }) };
        auto.Headers.Add(HealthApi.TriggerHeader, "auto");
        await AssertValidationProblemAsync(await admin.SendAsync(auto), HealthApi.TriggerHeader);
    }

    [Fact]
    public async Task Concurrent_requests_join_the_running_attempt()
    {
        // A dependency that accepts connections and never answers: its probe takes the whole timeout.
        using var silent = new TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        await using var api = new ApiFactory(server, Settings(
            "joining",
            ("Recovery:Dependencies:slow:Url", $"http://127.0.0.1:{port}/"),
            ("Recovery:Dependencies:slow:Timeout", "00:00:02")));
        using var admin = await ReadyAsync(api, ApiFactory.AdminKey);

        var requests = Enumerable.Range(0, 3).Select(i => RecoverAsync(admin, new { reason = $"concurrent {i}" })).ToArray();
        var responses = await Task.WhenAll(requests);

        var ids = responses.Select(r => r.GetProperty("attempt").GetProperty("id").GetGuid()).Distinct().ToList();
        Assert.Single(ids);
        Assert.Equal(2, responses.Count(r => r.GetProperty("joined").GetBoolean()));
        Assert.Equal(1, await server.ScalarAsync<long>("SELECT count(*) FROM recovery_attempts", "recovery_joining"));
    }

    [Fact]
    public async Task Two_api_instances_share_the_cooldown_through_postgres_and_fall_back_to_their_own_when_it_is_down()
    {
        var settings = Settings("shared", Unreachable("payments"));
        await using var first = new ApiFactory(server, settings);
        await using var second = new ApiFactory(server, settings);
        using var one = await ReadyAsync(first, ApiFactory.AdminKey);
        using var two = await ReadyAsync(second, ApiFactory.AdminKey);

        var attempt = (await RecoverAsync(one, new { reason = "from instance one" })).GetProperty("attempt");
        Assert.NotEqual(second.Services.GetRequiredService<RecoveryCoordinator>().GetHashCode(), first.Services.GetRequiredService<RecoveryCoordinator>().GetHashCode());

        using (var refused = await two.PostAsJsonAsync("/health/recover", new { reason = "from instance two" }))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        // The second instance sees the first one's attempt in the shared history.
        var stats = await two.GetFromJsonAsync<JsonElement>("/health/recovery-stats");
        Assert.Contains(stats.GetProperty("recent").EnumerateArray(), a => a.GetProperty("id").GetGuid() == attempt.GetProperty("id").GetGuid());

        await server.StopAsync();
        try
        {
            // Without the database each instance falls back to what it last knew (the periodic check keeps it
            // current), so the cooldown still holds; a forced attempt runs and waits in memory to be written.
            using var stillCooling = await two.PostAsJsonAsync("/health/recover", new { reason = "database down, instance two" });
            Assert.Equal(HttpStatusCode.TooManyRequests, stillCooling.StatusCode);
            var forced = await RecoverAsync(two, new { reason = "database down, instance two, forced", force = true, components = new[] { "payments" } });
            Assert.Equal("skipped", forced.GetProperty("attempt").GetProperty("outcome").GetString());
            Assert.Equal(1, (await two.GetFromJsonAsync<JsonElement>("/health/recovery-stats")).GetProperty("pendingWrites").GetInt32());
        }
        finally
        {
            await server.StartAsync();
        }

        await Eventually.HoldsAsync(
            async () => (await two.GetFromJsonAsync<JsonElement>("/health/recovery-stats")).GetProperty("source").GetString() == "database",
            "instance two never wrote its buffered attempt");
        Assert.Equal(2, await server.ScalarAsync<long>("SELECT count(*) FROM recovery_attempts", "recovery_shared"));
    }

    [Fact]
    public async Task Recovery_history_survives_an_api_restart()
    {
        var settings = Settings("restart", Unreachable("payments"));
        Guid id;
        await using (var before = new ApiFactory(server, settings))
        {
            using var admin = await ReadyAsync(before, ApiFactory.AdminKey);
            id = (await RecoverAsync(admin, new { reason = "before the restart" })).GetProperty("attempt").GetProperty("id").GetGuid();
        }

        await using var after = new ApiFactory(server, settings);
        using var client = await ReadyAsync(after, ApiFactory.AdminKey);
        var stats = await client.GetFromJsonAsync<JsonElement>("/health/recovery-stats");
        var recent = stats.GetProperty("recent").EnumerateArray().Single();
        Assert.Equal(id, recent.GetProperty("id").GetGuid());
        Assert.Equal("before the restart", recent.GetProperty("reason").GetString());
        Assert.Equal("admin", recent.GetProperty("trigger").GetString());

        // The cooldown survived too.
        using var refused = await client.PostAsJsonAsync("/health/recover", new { reason = "after the restart" });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
    }

    [Fact]
    public async Task Retention_deletes_only_expired_sessions()
    {
        await using var api = new ApiFactory(server, Settings("retention"));
        using var client = await ReadyAsync(api, ApiFactory.OperatorKey);
        using var created = await client.PostAsJsonAsync("/api/tickets", new { displayName = "Has recordings", contactType = "NONE" });
        var ticket = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var now = DateTimeOffset.UtcNow;
        var expired = new[] { Guid.NewGuid(), Guid.NewGuid() };
        var kept = new[] { Guid.NewGuid(), Guid.NewGuid() };
        await using (var scope = api.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Care2Connect.Api.Data.CareDbContext>();
            foreach (var (id, retainUntil) in expired.Select(id => (id, now.AddMinutes(-1))).Concat(kept.Select(id => (id, now.AddDays(30)))))
            {
                db.TranscriptionSessions.Add(new TranscriptionSession { Id = id, TicketId = ticket, Language = "en", Transcript = "story", CreatedAt = now.AddDays(-1), RetainUntil = retainUntil });
            }

            await db.SaveChangesAsync();
        }

        var job = api.Services.GetServices<ISpeechJob>().Single(j => j.Name == RetentionJob.JobName);
        var summary = await job.RunAsync(CancellationToken.None);

        Assert.StartsWith("deleted 2 expired transcription sessions", summary, StringComparison.Ordinal);
        var left = await server.ScalarAsync<string>("SELECT string_agg(id::text, ',' ORDER BY id) FROM transcription_sessions", "recovery_retention");
        Assert.Equal(string.Join(',', kept.Select(k => k.ToString()).Order(StringComparer.Ordinal)), left);
    }

    [Fact]
    public async Task Retention_prunes_recovery_attempts_past_their_age_or_beyond_the_newest_n_with_their_component_results()
    {
        await using var api = new ApiFactory(server, Settings("pruning", ("Recovery:HistoryMaxAttempts", "100")));
        (await api.CreateReadyClientAsync()).Dispose();

        // The host's own first retention run is over before the rows go in (the next is an hour away), so the run
        // below is the one that prunes them.
        var host = api.Services.GetRequiredService<SpeechIntelligenceHost>();
        await Eventually.HoldsAsync(
            () => Task.FromResult(host.Status.Jobs.Single(j => j.Name == RetentionJob.JobName).LastRun is not null),
            "the first retention run",
            TimeSpan.FromSeconds(30));
        var now = DateTimeOffset.UtcNow;

        // 3 past the 90-day default, 103 recent ones a minute apart: the 3 old and the 3 oldest recent ones go.
        var old = new[] { now.AddDays(-400), now.AddDays(-100), now.AddDays(-90).AddMinutes(-1) }.Select(at => (Guid.NewGuid(), at)).ToList();
        var recent = Enumerable.Range(0, 103).Select(i => (Guid.NewGuid(), now.AddDays(-89).AddMinutes(i))).ToList();
        await using (var scope = api.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Care2Connect.Api.Data.CareDbContext>();
            foreach (var (id, at) in old.Concat(recent))
            {
                db.RecoveryAttempts.Add(new RecoveryAttemptRecord
                {
                    Id = id,
                    Trigger = "admin",
                    Caller = "admin#0",
                    Reason = "pruning test",
                    Instance = "test",
                    StartedAt = at,
                    Outcome = "failed",
                    Summary = "test",
                    Components =
                    [
                        new RecoveryComponentRecord { AttemptId = id, Component = "database", BeforeStatus = "unhealthy", Outcome = "failed", Detail = "test" },
                        new RecoveryComponentRecord { AttemptId = id, Component = "database-circuit-breaker", Ordinal = 1, BeforeStatus = "unhealthy", Outcome = "failed", Detail = "test" },
                    ],
                });
            }

            await db.SaveChangesAsync();
        }

        Assert.Equal(212L, await server.ScalarAsync<long>("SELECT count(*) FROM recovery_component_results", "recovery_pruning"));
        var job = api.Services.GetServices<ISpeechJob>().Single(j => j.Name == RetentionJob.JobName);
        var summary = await job.RunAsync(CancellationToken.None);

        Assert.EndsWith("and 6 old recovery attempts", summary, StringComparison.Ordinal);
        var kept = recent.Skip(3).Select(attempt => attempt.Item1.ToString()).Order(StringComparer.Ordinal);
        Assert.Equal(
            string.Join(',', kept),
            await server.ScalarAsync<string>("SELECT string_agg(id::text, ',' ORDER BY id::text) FROM recovery_attempts", "recovery_pruning"));
        Assert.Equal(
            string.Join(',', kept.SelectMany(id => new[] { id, id })),
            await server.ScalarAsync<string>("SELECT string_agg(attempt_id::text, ',' ORDER BY attempt_id::text) FROM recovery_component_results", "recovery_pruning"));

        // Nothing left to prune: a second run deletes nothing.
        Assert.EndsWith("and 0 old recovery attempts", await job.RunAsync(CancellationToken.None), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_smoke_test_marks_speech_intelligence_unhealthy_and_recovery_restarts_the_host()
    {
        await using var api = new ApiFactory(server, Settings(
            "speech",
            ("SpeechIntelligence:SmokeTestInterval", "00:00:01"),
            ("SpeechIntelligence:JobTimeout", "00:00:01")));
        using var admin = await ReadyAsync(api, ApiFactory.AdminKey);
        var host = api.Services.GetRequiredService<SpeechIntelligenceHost>();
        await Eventually.HoldsAsync(() => Task.FromResult(host.Status.Jobs.All(j => j.LastRunSucceeded == true)), "the first runs never succeeded");

        // A lock the smoke test cannot get past: its write times out.
        await using var locker = new NpgsqlConnection(server.ConnectionString("recovery_speech"));
        await locker.OpenAsync();
        var transaction = await locker.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand("LOCK TABLE transcription_sessions IN ACCESS EXCLUSIVE MODE", locker, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        var unhealthy = await Eventually.ValueAsync(
            () => admin.GetFromJsonAsync<JsonElement>("/health/status"),
            body => Component(body, "speech-intelligence").GetProperty("status").GetString() == "unhealthy",
            TimeSpan.FromSeconds(20));
        Assert.Contains("smoke-test failed", Component(unhealthy, "speech-intelligence").GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("degraded", unhealthy.GetProperty("status").GetString()); // not critical by default
        Assert.NotEmpty(unhealthy.GetProperty("speechIntelligence").GetProperty("recentErrors").EnumerateArray());

        // Recovery while the fault persists: the host restarts, the smoke test fails again, the outcome says so.
        var generation = host.Status.Generation;
        var failed = (await RecoverAsync(admin, new { reason = "smoke test failing", components = new[] { "speech-intelligence" } })).GetProperty("attempt");
        Assert.Equal("failed", failed.GetProperty("outcome").GetString());
        Assert.Equal(generation + 1, host.Status.Generation);

        await transaction.RollbackAsync();
        var lastRunBefore = host.Status.Jobs.Single(j => j.Name == SmokeTestJob.JobName).LastRun;
        var recovered = (await RecoverAsync(admin, new { reason = "lock released", components = new[] { "speech-intelligence" }, force = true })).GetProperty("attempt");
        var speech = recovered.GetProperty("components")[0];
        output.WriteLine(speech.ToString());
        if (speech.GetProperty("before").GetProperty("status").GetString() == "unhealthy")
        {
            Assert.Equal("succeeded", recovered.GetProperty("outcome").GetString());
            Assert.Equal(generation + 2, host.Status.Generation);
        }
        else
        {
            // The periodic run healed it between the rollback and the probe: nothing to do, and it says so.
            Assert.Equal("healthy before acting", speech.GetProperty("detail").GetString());
        }

        Assert.True(host.Status.Jobs.Single(j => j.Name == SmokeTestJob.JobName).LastRun > lastRunBefore, "no new smoke-test run");

        // Stopped between runs, the smoke test leaves nothing behind.
        await host.StopAsync(CancellationToken.None);
        Assert.Equal(0, await server.ScalarAsync<long>("SELECT count(*) FROM transcription_sessions WHERE kind = 'SmokeTest'", "recovery_speech"));
    }

    private static JsonElement Component(JsonElement status, string name) =>
        status.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private Dictionary<string, string?> Settings(string name, params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:care2connect"] = server.ConnectionString("recovery_" + name).Replace(";Pooling=false", string.Empty, StringComparison.Ordinal),
            ["Recovery:CheckInterval"] = "00:00:00.500",
            ["Recovery:AutoRecover"] = "false",
            ["Recovery:ProbeTimeout"] = "00:00:03",
            ["Database:HealthCheck:Timeout"] = "00:00:01",
            ["Database:Resilience:ConnectTimeout"] = "00:00:01",
            ["Database:Resilience:MaxRetries"] = "0",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static (string, string?)[] Unreachable(string name) =>
    [
        ($"Recovery:Dependencies:{name}:Url", $"http://127.0.0.1:{TestPorts.Free()}/"),
        ($"Recovery:Dependencies:{name}:Timeout", "00:00:01"),
    ];

    private static async Task<HttpClient> ReadyAsync(ApiFactory api, string? key)
    {
        (await api.CreateReadyClientAsync()).Dispose();
        return api.CreateApiClient(key);
    }


    private static async Task<JsonElement> RecoverAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/health/recover", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task AssertValidationProblemAsync(HttpResponseMessage response, string field)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
    }
}
