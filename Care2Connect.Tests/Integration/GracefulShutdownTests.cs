using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Care2Connect.Api.Data;
using Care2Connect.Tests.Infrastructure;
using Npgsql;

namespace Care2Connect.Tests.Integration;

/// <summary>SIGTERM to a real API process while requests are in flight.</summary>
[Collection(AppHostCollection.Name)]
public sealed class GracefulShutdownTests(TestPostgresServer server) : IClassFixture<TestPostgresServer>
{
    private const string OperatorKey = "shutdown-operator-key";

    [Fact]
    public async Task Sigterm_lets_in_flight_requests_finish_refuses_new_ones_and_closes_the_pool()
    {
        var port = TestPorts.Free();
        var output = new ConcurrentQueue<string>();
        using var api = StartApi(port, output);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", OperatorKey);
        try
        {
            await WaitUntilReadyAsync(client, api, output);
            var ids = new List<Guid>();
            for (var i = 0; i < 3; i++)
            {
                using var created = await client.PostAsJsonAsync("/api/tickets", new { displayName = $"shutdown {i}", contactType = "NONE" });
                ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
            }

            // Hold the rows so the updates are in flight (waiting on the locks) when SIGTERM arrives.
            await using var holder = new NpgsqlConnection(server.ConnectionString());
            await holder.OpenAsync();
            var transaction = await holder.BeginTransactionAsync();
            await using (var lockRows = new NpgsqlCommand($"SELECT 1 FROM tickets WHERE id IN ('{string.Join("','", ids)}') FOR UPDATE", holder, transaction))
            {
                await lockRows.ExecuteNonQueryAsync();
            }

            var inFlight = ids.Select(id => client.PutAsJsonAsync($"/api/tickets/{id}", new { displayName = "finished", contactType = "NONE", status = "RECORDING" })).ToArray();
            await Eventually.HoldsAsync(
                async () => await server.ScalarAsync<long>(
                    $"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{DataExtensions.ApplicationName}' AND wait_event_type = 'Lock'") == 3,
                "the updates never waited on the locks");

            ProcessTree.Signal(api.Id, "TERM");
            await Task.Delay(500);

            // New connections are refused while the in-flight requests are still waiting.
            using (var newcomer = new HttpClient { BaseAddress = client.BaseAddress, Timeout = TimeSpan.FromSeconds(10) })
            {
                await Assert.ThrowsAsync<HttpRequestException>(() => newcomer.GetAsync("/alive"));
            }

            Assert.All(inFlight, request => Assert.False(request.IsCompleted));
            await transaction.RollbackAsync();

            foreach (var response in await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(30)))
            {
                using (response)
                {
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                }
            }

            using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                await api.WaitForExitAsync(exit.Token);
            }

            Assert.Equal(0, api.ExitCode);
            Assert.Contains(output, line => line.Contains("Database connection pool closed", StringComparison.Ordinal));
            Assert.Equal(3, await server.ScalarAsync<long>($"SELECT count(*) FROM tickets WHERE id IN ('{string.Join("','", ids)}') AND display_name = 'finished'"));
            await Eventually.HoldsAsync(
                async () => await server.ScalarAsync<long>(
                    $"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{DataExtensions.ApplicationName}'") == 0,
                "the API's connections were not closed");
        }
        finally
        {
            if (!api.HasExited)
            {
                api.Kill(entireProcessTree: true);
            }
        }
    }

    private Process StartApi(int port, ConcurrentQueue<string> output)
    {
        // The API's own build output, next to this test assembly's (same configuration).
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var projectDirectory = Path.GetDirectoryName(new Projects.Care2Connect_Api().ProjectPath)!;
        var dll = Path.Combine(projectDirectory, "bin", configuration, "net10.0", "Care2Connect.Api.dll");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = projectDirectory,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        // One listener, and it is the internal one: this test needs /health as well as the tickets.
        start.Environment["Api__InternalPort"] = port.ToString(CultureInfo.InvariantCulture);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__care2connect"] = server.ConnectionString().Replace(";Pooling=false", string.Empty, StringComparison.Ordinal);
        start.Environment["Auth__OperatorKeys__0"] = OperatorKey;
        start.Environment["Database__Migration__RetryDelay"] = "00:00:00.200";
        start.Environment["Database__Resilience__ShutdownTimeout"] = "00:00:30";
        var process = Process.Start(start) ?? throw new InvalidOperationException("the API did not start");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static Task WaitUntilReadyAsync(HttpClient client, Process api, ConcurrentQueue<string> output) =>
        Eventually.HoldsAsync(
            async () =>
            {
                Assert.False(api.HasExited, "the API exited during startup: " + string.Join('\n', output));
                return (await client.GetAsync("/health")).StatusCode == HttpStatusCode.OK;
            },
            "the API never became ready");



}
