using Care2Connect.AppHost.Postgres;
using Care2Connect.Tests.Infrastructure;
using Npgsql;

namespace Care2Connect.Tests.Integration;

/// <summary>
/// The AppHost creates the Local server's database once the server is ready; on a new cluster the API's migrations
/// may create it at the same moment (seen in a benchmark boot: the AppHost stopped on a unique violation of
/// <c>pg_database</c>). Real server, callers racing for real.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class LocalDatabaseCreationTests(TestPostgresServer server) : IClassFixture<TestPostgresServer>
{
    [Fact]
    public async Task A_database_several_callers_create_at_once_is_created_once_and_no_caller_fails()
    {
        var name = "race_" + Guid.NewGuid().ToString("N")[..8];
        var connections = new List<NpgsqlConnection>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var connection = new NpgsqlConnection(server.ConnectionString("postgres"));
                connections.Add(connection);
                await connection.OpenAsync();
            }

            // All look before any has created it (a CREATE DATABASE copies a template: far longer than the look).
            var created = await Task.WhenAll(connections.Select(c => PostgresHostingExtensions.EnsureDatabaseAsync(c, name, CancellationToken.None)));

            Assert.Equal(1, created.Count(c => c));
            Assert.Equal(1L, await server.ScalarAsync<long>($"SELECT count(*) FROM pg_database WHERE datname = '{name}'", "postgres"));
            Assert.False(await PostgresHostingExtensions.EnsureDatabaseAsync(connections[0], name, CancellationToken.None));
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
