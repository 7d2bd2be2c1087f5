using System.Diagnostics;
using Care2Connect.Api.Data.Resilience;
using Care2Connect.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Care2Connect.Tests.Integration;

/// <summary>
/// The API against a real server behind a proxy that, like the orchestrator's, holds connections while the server is
/// "restarting" instead of refusing them. A command whose connection the hold left open and silent fails, after its
/// timeout and a cancellation that cannot reach the server, with the very exception of a command the live server
/// cancelled ("Exception while reading from stream" around a TimeoutException); only the connection, broken or not,
/// tells them apart, and only the second must never be retried.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class HeldConnectionTests(TestPostgresServer server, ITestOutputHelper output) : IClassFixture<TestPostgresServer>
{
    // Longer than a held command takes to fail (command timeout 1 s, then Npgsql's 2 s for its cancellation), and
    // within the retry window.
    private static readonly TimeSpan RestartTime = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task A_read_that_meets_a_held_login_during_a_restart_is_retried_and_answered()
    {
        // No pooling: every attempt logs in, so the hold meets the read while it logs in.
        await using var proxy = new HoldingTcpProxy(server.Port);
        await using var api = Api(proxy, pooling: false);
        using var client = await api.CreateReadyClientAsync();
        var id = await client.CreateTicketAsync("held login");

        var (response, elapsed) = await ReadDuringRestartAsync(client, proxy, id);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} after {elapsed.TotalSeconds:0.0} s: {body}");
        Assert.Contains(api.Logs, l => l.Contains("[2101]", StringComparison.Ordinal) && l.Contains("tickets.get failed (Transient)", StringComparison.Ordinal));
        output.WriteLine($"read answered 200 after {elapsed.TotalSeconds:0.0} s across a {RestartTime.TotalSeconds} s hold");
    }

    [Fact]
    public async Task A_read_whose_connection_is_lost_mid_command_is_retried_and_answered()
    {
        // Pooled: the read goes out on an open connection, which the hold leaves open and silent. The command times
        // out, the cancellation cannot reach the server, Npgsql breaks the connection: the outcome is unknown, and a
        // read is safe to run again.
        await using var proxy = new HoldingTcpProxy(server.Port);
        await using var api = Api(proxy, pooling: true);
        using var client = await api.CreateReadyClientAsync();
        var id = await client.CreateTicketAsync("held command");
        using (var warm = await client.GetAsync($"/api/tickets/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var (response, elapsed) = await ReadDuringRestartAsync(client, proxy, id);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} after {elapsed.TotalSeconds:0.0} s: {body}");
        Assert.Contains(api.Logs, l => l.Contains("[2101]", StringComparison.Ordinal) && l.Contains("tickets.get failed (Interrupted)", StringComparison.Ordinal));
        output.WriteLine($"read answered 200 after {elapsed.TotalSeconds:0.0} s across a {RestartTime.TotalSeconds} s hold");
    }

    [Fact]
    public async Task A_write_that_is_not_idempotent_is_not_run_again_when_its_connection_is_lost()
    {
        await using var proxy = new HoldingTcpProxy(server.Port);
        await using var api = Api(proxy, pooling: true);
        using var client = await api.CreateReadyClientAsync();
        var database = api.Services.GetRequiredService<ResilientDatabase>();
        var marker = $"not idempotent {Guid.NewGuid():N}";
        await database.ExecuteAsync("test.warm", UnitOfWorkSafety.ReadOnly, (db, ct) => db.Database.ExecuteSqlRawAsync("SELECT 1", ct), CancellationToken.None);

        var attempts = 0;
        proxy.Hold();
        DatabaseUnavailableException failure;
        try
        {
            failure = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => database.ExecuteAsync("test.append", UnitOfWorkSafety.NotIdempotent, (db, ct) =>
            {
                attempts++;
                return db.Database.ExecuteSqlAsync($"UPDATE tickets SET display_name = display_name || {marker} WHERE false", ct);
            }, CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            proxy.Release();
        }

        Assert.Equal(DatabaseUnavailableReason.Interrupted, failure.Reason);
        Assert.Equal(1, attempts);
        Assert.Contains(api.Logs, l => l.Contains("[2108]", StringComparison.Ordinal) && l.Contains("test.append", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_read_that_hits_the_command_timeout_on_a_live_server_is_not_retried()
    {
        await using var proxy = new HoldingTcpProxy(server.Port);
        await using var api = Api(proxy, pooling: true);
        using var client = await api.CreateReadyClientAsync();
        var database = api.Services.GetRequiredService<ResilientDatabase>();

        var attempts = 0;
        var failure = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => database.ExecuteAsync("test.sleep", UnitOfWorkSafety.ReadOnly, (db, ct) =>
        {
            attempts++;
            return db.Database.ExecuteSqlRawAsync("SELECT pg_sleep(30)", ct);
        }, CancellationToken.None)).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(DatabaseUnavailableReason.Timeout, failure.Reason);
        Assert.Equal(1, attempts);
    }

    private ApiFactory Api(HoldingTcpProxy proxy, bool pooling) => new(server, new Dictionary<string, string?>
    {
        ["ConnectionStrings:care2connect"] = new NpgsqlConnectionStringBuilder(server.ConnectionString()) { Port = proxy.Port, Pooling = pooling }.ConnectionString,
        // The production retry window (3 retries from 1 s, about 7 s) with the shortest timeouts: a login held by the
        // proxy gives up after 1 s, a command after 1 s.
        ["Database:Resilience:ConnectTimeout"] = "00:00:01",
        ["Database:Resilience:CommandTimeout"] = "00:00:01",
    });

    private static async Task<(HttpResponseMessage Response, TimeSpan Elapsed)> ReadDuringRestartAsync(HttpClient client, HoldingTcpProxy proxy, Guid id)
    {
        var clock = Stopwatch.StartNew();
        proxy.Hold();
        var read = client.GetAsync($"/api/tickets/{id}");
        try
        {
            await Task.WhenAny(read, Task.Delay(RestartTime));
        }
        finally
        {
            proxy.Release();
        }

        var response = await read.WaitAsync(TimeSpan.FromSeconds(60));
        return (response, clock.Elapsed);
    }
}
