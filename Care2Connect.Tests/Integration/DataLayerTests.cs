using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text.Json;
using Care2Connect.Api.Data;
using Care2Connect.Api.Data.Resilience;
using Care2Connect.Api.SpeechIntelligence;
using Care2Connect.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Care2Connect.Tests.Integration;

/// <summary>
/// The hardened data layer against a real PostgreSQL server that the tests stop, restart, lock and slow down.
/// The API runs in-process so a test can choose its timings and look at its breaker.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class DataLayerTests(TestPostgresServer server, ITestOutputHelper output) : IClassFixture<TestPostgresServer>
{
    [Fact]
    public async Task A_short_outage_during_reads_and_writes_only_slows_them_down()
    {
        await using var api = new ApiFactory(server, new Dictionary<string, string?>
        {
            ["Database:Resilience:BaseDelay"] = "00:00:00.500", // retry window ≈ 0.5 + 1 + 2 + 4 = 7.5 s
            ["Database:Resilience:MaxRetries"] = "4",
        });
        using var client = await api.CreateReadyClientAsync();

        var failures = new ConcurrentQueue<string>();
        var latencies = new ConcurrentQueue<double>();
        var created = new ConcurrentQueue<Guid>();
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested && i < 500; i++)
            {
                var clock = Stopwatch.StartNew();
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tickets")
                {
                    Content = JsonContent.Create(new { displayName = $"short outage {worker}-{i}", contactType = "NONE" }),
                };
                request.Headers.Add("Idempotency-Key", $"short-outage-{worker}-{i}-{Guid.NewGuid():N}");
                using var response = await client.SendAsync(request);
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    failures.Enqueue($"create: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    continue;
                }

                var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
                created.Enqueue(id);
                using var read = await client.GetAsync($"/api/tickets/{id}");
                if (read.StatusCode != HttpStatusCode.OK)
                {
                    failures.Enqueue($"read: {(int)read.StatusCode}");
                }

                latencies.Enqueue(clock.Elapsed.TotalMilliseconds);
            }
        })).ToArray();

        await Task.Delay(500);
        await server.StopAsync();
        await Task.Delay(1500);
        await server.StartAsync();
        await Task.Delay(1000);
        await stop.CancelAsync();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Empty(failures);
        Assert.NotEmpty(created);
        var rows = await server.ScalarAsync<long>("SELECT count(*) FROM tickets WHERE display_name LIKE 'short outage %'");
        Assert.Equal(created.Count, rows);
        output.WriteLine($"{created.Count} creates and reads, all succeeded; slowest create+read {latencies.Max():0} ms, median {latencies.Order().ElementAt(latencies.Count / 2):0} ms");
    }

    [Fact]
    public async Task A_long_outage_opens_the_breaker_which_fails_fast_and_closes_after_recovery()
    {
        await using var api = new ApiFactory(server, new Dictionary<string, string?>
        {
            ["Database:Resilience:BaseDelay"] = "00:00:00.050",
            ["Database:Resilience:MaxRetries"] = "2",
            ["Database:Resilience:BreakDuration"] = "00:00:03",
            ["Database:Resilience:ConnectTimeout"] = "00:00:02",
        });
        using var client = await api.CreateReadyClientAsync();
        var breaker = api.Services.GetRequiredService<DatabaseCircuitBreaker>();
        var id = await client.CreateTicketAsync("long outage");

        // The job host's first round (smoke test, retention) starts with readiness; on a loaded machine a unit of it can
        // still be running when the server stops, and its failure would count on the breaker beside the five below.
        var speech = api.Services.GetRequiredService<SpeechIntelligenceHost>();
        await Eventually.HoldsAsync(() => Task.FromResult(speech.Status.Jobs.All(job => job.LastRun is not null)), "the job host's first round");

        await server.StopAsync();
        try
        {
            for (var i = 1; i <= 5; i++)
            {
                var problem = await AssertUnavailableAsync(await client.GetAsync($"/api/tickets/{id}"));
                Assert.Equal("unreachable", problem.GetProperty("reason").GetString());
                Assert.Equal(i == 5 ? CircuitState.Open : CircuitState.Closed, breaker.State);
            }

            var clock = Stopwatch.StartNew();
            using var refused = await client.GetAsync($"/api/tickets/{id}");
            clock.Stop();
            var refusal = await AssertUnavailableAsync(refused);
            Assert.Equal("circuit-open", refusal.GetProperty("reason").GetString());
            Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3));
            output.WriteLine($"Latency of a request while the breaker is open: {clock.Elapsed.TotalMilliseconds:0.0} ms");

            // Readiness is unhealthy while open and does not touch the database.
            using var health = await client.GetAsync("/health");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        }
        finally
        {
            await server.StartAsync();
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (breaker.Snapshot.TimeUntilHalfOpen > TimeSpan.Zero)
        {
            Assert.True(DateTime.UtcNow < deadline);
            await Task.Delay(100);
        }

        using var recovered = await client.GetAsync($"/api/tickets/{id}");
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, breaker.Snapshot.ConsecutiveFailures);
    }

    [Fact]
    public async Task A_command_timeout_answers_503_and_leaves_no_query_on_the_server()
    {
        await using var api = new ApiFactory(server, new Dictionary<string, string?>
        {
            ["Database:Resilience:CommandTimeout"] = "00:00:02",
        });
        using var client = await api.CreateReadyClientAsync();
        var id = await client.CreateTicketAsync("timeout");

        // Hold the row: the API's UPDATE waits on the lock until its command timeout fires.
        await using var holder = new NpgsqlConnection(server.ConnectionString());
        await holder.OpenAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand($"SELECT 1 FROM tickets WHERE id = '{id}' FOR UPDATE", holder, transaction))
        {
            await lockRow.ExecuteScalarAsync();
        }

        var clock = Stopwatch.StartNew();
        using var response = await client.PutAsJsonAsync($"/api/tickets/{id}", new { displayName = "changed", contactType = "NONE", status = "RECORDING" });
        clock.Stop();

        var problem = await AssertUnavailableAsync(response);
        Assert.Equal("timeout", problem.GetProperty("reason").GetString());
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(20));
        var lingering = await Eventually.ValueAsync(
            () => server.ScalarAsync<long>($"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{DataExtensions.ApplicationName}' AND state = 'active'"),
            count => count == 0);
        Assert.Equal(0, lingering);
        await transaction.RollbackAsync();
        Assert.Equal("timeout", (await server.ScalarAsync<string>($"SELECT display_name FROM tickets WHERE id = '{id}'")));
    }

    [Fact]
    public async Task Pg_sleep_past_the_command_timeout_is_cancelled_on_the_server_and_a_shorter_one_is_flagged_slow()
    {
        await using var api = new ApiFactory(server, new Dictionary<string, string?>
        {
            ["Database:Resilience:CommandTimeout"] = "00:00:02",
            ["Database:Resilience:SlowQueryThreshold"] = "00:00:00.500",
        });
        using var client = await api.CreateReadyClientAsync();
        var database = api.Services.GetRequiredService<ResilientDatabase>();

        var timedOut = await Assert.ThrowsAsync<DatabaseUnavailableException>(() =>
            database.ExecuteAsync("test.sleep", UnitOfWorkSafety.ReadOnly, (db, ct) => db.Database.ExecuteSqlRawAsync("SELECT pg_sleep(30)", ct), CancellationToken.None));
        Assert.Equal(DatabaseUnavailableReason.Timeout, timedOut.Reason);
        var sleeping = await Eventually.ValueAsync(
            () => server.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()"),
            count => count == 0);
        Assert.Equal(0, sleeping);

        await database.ExecuteAsync("test.sleep", UnitOfWorkSafety.ReadOnly, (db, ct) => db.Database.ExecuteSqlRawAsync("SELECT pg_sleep(0.7)", ct), CancellationToken.None);
        Assert.Contains(api.Logs, line => line.Contains("Slow query", StringComparison.Ordinal) && line.Contains("pg_sleep(0.7)", StringComparison.Ordinal));
        Assert.Contains(api.Services.GetRequiredService<SlowQueryLog>().Slowest(), q => q.CommandText.Contains("pg_sleep(0.7)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_slow_query_is_logged_with_its_sql_but_no_values_counted_and_remembered()
    {
        await using var api = new ApiFactory(server, new Dictionary<string, string?>
        {
            ["Database:Resilience:SlowQueryThreshold"] = "00:00:00.500",
        });
        using var client = await api.CreateReadyClientAsync();
        var id = await client.CreateTicketAsync("slow");
        long slowCount = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DatabaseMetrics.MeterName && instrument.Name == "care2connect.db.slow_queries")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref slowCount, value));
        listener.Start();

        await using var holder = new NpgsqlConnection(server.ConnectionString());
        await holder.OpenAsync();
        var transaction = await holder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand($"SELECT 1 FROM tickets WHERE id = '{id}' FOR UPDATE", holder, transaction))
        {
            await lockRow.ExecuteScalarAsync();
        }

        var release = Task.Run(async () =>
        {
            await Task.Delay(1200);
            await transaction.RollbackAsync();
        });
        using var response = await client.PutAsJsonAsync($"/api/tickets/{id}", new { displayName = "Secret Person Name", contactType = "NONE", status = "RECORDING" });
        await release;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var logged = Assert.Single(api.Logs, line => line.Contains("Slow query", StringComparison.Ordinal) && line.Contains("UPDATE", StringComparison.Ordinal));
        Assert.DoesNotContain("Secret Person Name", logged, StringComparison.Ordinal);
        Assert.DoesNotContain(api.Logs, line => line.Contains("Secret Person Name", StringComparison.Ordinal));
        Assert.True(Interlocked.Read(ref slowCount) >= 1);
        var remembered = api.Services.GetRequiredService<SlowQueryLog>().Slowest();
        Assert.Contains(remembered, q => q.CommandText.Contains("UPDATE", StringComparison.Ordinal) && q.DurationMs >= 500);

        // Admins can read the slowest recent statements; operators cannot.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/health/slow-queries")).StatusCode);
        using var admin = api.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", ApiFactory.AdminKey);
        var reported = await admin.GetFromJsonAsync<JsonElement>("/health/slow-queries");
        Assert.Contains(reported.EnumerateArray(), q => q.GetProperty("commandText").GetString()!.Contains("UPDATE", StringComparison.Ordinal));
        Assert.DoesNotContain("Secret Person Name", reported.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_idempotency_key_creates_exactly_one_ticket_and_a_different_body_is_422()
    {
        await using var api = new ApiFactory(server, new Dictionary<string, string?>());
        using var client = await api.CreateReadyClientAsync();
        var key = "idem-" + Guid.NewGuid().ToString("N");
        var name = "idempotent " + key;

        using var first = await PostWithKeyAsync(client, key, new { displayName = name, contactType = "NONE" });
        using var second = await PostWithKeyAsync(client, key, new { displayName = name, contactType = "NONE" });
        using var different = await PostWithKeyAsync(client, key, new { displayName = name + " (other)", contactType = "NONE" });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.True(second.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal((HttpStatusCode)422, different.StatusCode);
        Assert.Equal("application/problem+json", different.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, await server.ScalarAsync<long>($"SELECT count(*) FROM tickets WHERE display_name LIKE '{name}%'"));

        using var invalid = await PostWithKeyAsync(client, new string('k', 201), new { displayName = name, contactType = "NONE" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    [Fact]
    public async Task A_commit_whose_acknowledgement_is_lost_is_retried_without_a_duplicate()
    {
        var lostAcks = new LoseFirstCommitAcknowledgement();
        await using var api = new ApiFactory(
            server,
            new Dictionary<string, string?> { ["Database:Resilience:BaseDelay"] = "00:00:00.050" },
            services => services.ConfigureDbContext<CareDbContext>(options => options.AddInterceptors(lostAcks)));
        using var client = await api.CreateReadyClientAsync();

        var key = "lost-ack-" + Guid.NewGuid().ToString("N");
        lostAcks.Arm();
        using var withKey = await PostWithKeyAsync(client, key, new { displayName = key, contactType = "NONE" });
        Assert.Equal(HttpStatusCode.Created, withKey.StatusCode);
        Assert.Equal(1, lostAcks.Fired);

        var keyless = "lost-ack-keyless-" + Guid.NewGuid().ToString("N");
        lostAcks.Arm();
        using var withoutKey = await client.PostAsJsonAsync("/api/tickets", new { displayName = keyless, contactType = "NONE" });
        Assert.Equal(HttpStatusCode.Created, withoutKey.StatusCode);
        Assert.Equal(2, lostAcks.Fired);

        Assert.Equal(1, await server.ScalarAsync<long>($"SELECT count(*) FROM tickets WHERE display_name = '{key}'"));
        Assert.Equal(1, await server.ScalarAsync<long>($"SELECT count(*) FROM tickets WHERE display_name = '{keyless}'"));
        Assert.Contains(api.Logs, line => line.Contains("retry 1 of", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_unique_violation_against_the_real_server_is_not_retried_and_leaves_the_breaker_alone()
    {
        await using var api = new ApiFactory(server, new Dictionary<string, string?>());
        using var client = await api.CreateReadyClientAsync();
        var database = api.Services.GetRequiredService<ResilientDatabase>();
        var id = Guid.NewGuid();
        var attempts = 0;

        Task<int> Insert() => database.ExecuteAsync("test.insert", UnitOfWorkSafety.Idempotent, (db, ct) =>
        {
            attempts++;
            db.Tickets.Add(new Api.Data.Entities.Ticket { Id = id, DisplayName = "unique", CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow });
            return db.SaveChangesAsync(ct);
        }, CancellationToken.None);

        await Insert();
        attempts = 0;
        var error = await Assert.ThrowsAsync<DbUpdateException>(Insert);

        Assert.Equal(PostgresErrorCodes.UniqueViolation, Assert.IsType<PostgresException>(error.InnerException).SqlState);
        Assert.Equal(1, attempts);
        Assert.Equal(0, database.Breaker.Snapshot.ConsecutiveFailures);
        Assert.Equal(CircuitState.Closed, database.Breaker.State);
    }

    [Fact]
    public async Task Readiness_reports_latency_breaker_and_pool_and_follows_the_breaker()
    {
        await using var api = new ApiFactory(server, new Dictionary<string, string?>());
        using var client = await api.CreateReadyClientAsync();
        await client.CreateTicketAsync("health");
        var health = api.Services.GetRequiredService<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>();
        var breaker = api.Services.GetRequiredService<DatabaseCircuitBreaker>();

        var healthy = (await health.CheckHealthAsync(c => c.Name == "database")).Entries["database"];
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, healthy.Status);
        Assert.True((double)healthy.Data["latencyMs"] > 0);
        Assert.Equal("Closed", healthy.Data["breakerState"]);
        Assert.True((long)healthy.Data["poolMax"] > 0, "pool max comes from Npgsql's metrics");
        Assert.True((long)healthy.Data["poolBusy"] + (long)healthy.Data["poolIdle"] >= 1);

        // The API's own background work (speech jobs, component checks) uses the database meanwhile: a success of
        // theirs between two of these failures starts the count again, so fail until the breaker is open.
        for (var i = 0; breaker.State != CircuitState.Open; i++)
        {
            Assert.True(i < 50, "fifty failures in a row never opened the breaker");
            breaker.OnFailure(breaker.TryEnter(out _));
        }

        var open = (await health.CheckHealthAsync(c => c.Name == "database")).Entries["database"];
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, open.Status);
        Assert.False(open.Data.ContainsKey("latencyMs"), "the probe is skipped while the breaker is open");

        // Half-open with the trial held here, so no background operation can take it and close the breaker.
        Assert.True(breaker.RequestHalfOpenTrial());
        var trial = breaker.TryEnter(out _);
        Assert.Equal(BreakerPermit.Trial, trial);
        var halfOpen = (await health.CheckHealthAsync(c => c.Name == "database")).Entries["database"];
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, halfOpen.Status);
        Assert.True((double)halfOpen.Data["latencyMs"] > 0, "the probe runs while half-open");

        breaker.OnSuccess(trial);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }


    private static Task<HttpResponseMessage> PostWithKeyAsync(HttpClient client, string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/tickets") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }

    private static async Task<JsonElement> AssertUnavailableAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "503 must carry Retry-After");
        return JsonDocument.Parse(body).RootElement.Clone();
    }


    /// <summary>Test-only: after the first armed COMMIT succeeds, reports a dropped connection, as a lost acknowledgement would.</summary>
    private sealed class LoseFirstCommitAcknowledgement : DbTransactionInterceptor
    {
        private int _armed;
        private int _fired;

        public int Fired => _fired;

        public void Arm() => Interlocked.Exchange(ref _armed, 1);

        public override Task TransactionCommittedAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                Interlocked.Increment(ref _fired);
                throw new NpgsqlException("Exception while reading from stream (simulated lost COMMIT acknowledgement)", new EndOfStreamException());
            }

            return Task.CompletedTask;
        }
    }
}
