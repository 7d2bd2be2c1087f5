using System.Diagnostics;
using System.Text.Json;
using Care2Connect.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace Care2Connect.Tests.Integration;

/// <summary>
/// <c>scripts/backup.sh</c> and <c>scripts/restore.sh</c>, run for real with bash against a real PostgreSQL server
/// whose schema and tickets come from the real API (its migrations, its endpoints). Linux only, like the scripts.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Collection(AppHostCollection.Name)]
public sealed class BackupRestoreTests(TestPostgresServer server, ITestOutputHelper output) : IClassFixture<TestPostgresServer>, IDisposable
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(120);

    private readonly string _backups = Directory.CreateTempSubdirectory("c2c-backups-").FullName;

    [Fact]
    public async Task Restore_brings_back_exactly_the_tickets_that_were_backed_up()
    {
        await using (var api = new ApiFactory(server, new Dictionary<string, string?>()))
        {
            using var client = await api.CreateReadyClientAsync();
            var ids = await CreateTicketsAsync(client, "backed up", count: 12);
            using (var moved = await client.PutAsJsonAsync($"/api/tickets/{ids[0]}", new { displayName = "backed up, recording", contactType = "EMAIL", contactValue = "jane@example.org", status = "RECORDING" }))
            {
                Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
            }
        }

        var before = await TicketRowsAsync("care2connect");
        Assert.Equal(12, before.Count);

        var backup = await RunAsync("backup.sh", [_backups], Libpq("care2connect"));
        Assert.Equal(0, backup.ExitCode);
        var file = Assert.Single(Directory.GetFiles(_backups, "*.dump"));
        Assert.Equal(file, backup.Stdout.Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));

        // Everything an operator might regret: tickets deleted and created through the API, one changed behind its back.
        await using (var api = new ApiFactory(server, new Dictionary<string, string?>()))
        {
            using var client = await api.CreateReadyClientAsync();
            foreach (var id in before.Keys.Take(5))
            {
                using var deleted = await client.DeleteAsync($"/api/tickets/{id}");
                Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            }

            await CreateTicketsAsync(client, "after the backup", count: 3);
        }

        await server.ScalarAsync<int>($"UPDATE tickets SET display_name = 'tampered' WHERE id = '{before.Keys.Last()}'");
        var altered = await TicketRowsAsync("care2connect");
        Assert.NotEqual(before, altered);

        // Without the confirmation, or with the wrong database named, nothing changes.
        var unconfirmed = await RunAsync("restore.sh", [file], Libpq("care2connect"));
        Assert.Equal(2, unconfirmed.ExitCode);
        Assert.Contains("--confirm care2connect", unconfirmed.Stderr, StringComparison.Ordinal);
        var wrongName = await RunAsync("restore.sh", ["--confirm", "postgres", file], Libpq("care2connect"));
        Assert.Equal(2, wrongName.ExitCode);
        Assert.Equal(altered, await TicketRowsAsync("care2connect"));

        var restore = await RunAsync("restore.sh", ["--confirm", "care2connect", file], Libpq("care2connect"));
        Assert.Equal(0, restore.ExitCode);
        Assert.Equal(before, await TicketRowsAsync("care2connect"));

        // The API works on the restored database: its migrations are recorded, every ticket reads back.
        await using (var api = new ApiFactory(server, new Dictionary<string, string?>()))
        {
            using var client = await api.CreateReadyClientAsync();
            foreach (var (id, row) in before)
            {
                using var read = await client.GetAsync($"/api/tickets/{id}");
                Assert.Equal(HttpStatusCode.OK, read.StatusCode);
                var ticket = await read.Content.ReadFromJsonAsync<JsonElement>();
                var stored = JsonDocument.Parse(row).RootElement;
                Assert.Equal(stored.GetProperty("display_name").GetString(), ticket.GetProperty("displayName").GetString());
                Assert.Equal(stored.GetProperty("contact_value").GetString(), ticket.GetProperty("contactValue").GetString());
                Assert.Equal(stored.GetProperty("status").GetString(), ticket.GetProperty("status").GetString(), ignoreCase: true);
            }
        }
    }

    [Fact]
    public async Task Restore_with_create_brings_back_a_dropped_database_from_an_Npgsql_connection_string()
    {
        const string Database = "c2c_dropped";
        await server.ScalarAsync<int>($"CREATE DATABASE {Database}", database: "postgres");
        await using (var api = new ApiFactory(server, new Dictionary<string, string?>
        {
            ["ConnectionStrings:care2connect"] = server.ConnectionString(Database).Replace(";Pooling=false", string.Empty, StringComparison.Ordinal),
        }))
        {
            using var client = await api.CreateReadyClientAsync();
            await CreateTicketsAsync(client, "dropped", count: 5);
        }

        var before = await TicketRowsAsync(Database);
        Assert.Equal(5, before.Count);

        // The connection string as the dashboard shows it; its password goes to PGPASSWORD, never to a command line.
        string[] connection = ["--connection", server.ConnectionString(Database)];
        var backup = await RunAsync("backup.sh", [.. connection, _backups], Isolated());
        Assert.Equal(0, backup.ExitCode);
        Assert.DoesNotContain(server.Password, backup.Stdout + backup.Stderr, StringComparison.Ordinal);

        await server.ScalarAsync<int>($"DROP DATABASE {Database} WITH (FORCE)", database: "postgres");
        var withoutCreate = await RunAsync("restore.sh", [.. connection, "--confirm", Database, backup.Stdout.Trim()], Isolated());
        Assert.Equal(1, withoutCreate.ExitCode);
        Assert.Equal(0, await server.ScalarAsync<long>($"SELECT count(*) FROM pg_database WHERE datname = '{Database}'", database: "postgres"));

        var restore = await RunAsync("restore.sh", [.. connection, "--create", "--confirm", Database, backup.Stdout.Trim()], Isolated());
        Assert.Equal(0, restore.ExitCode);
        Assert.DoesNotContain(server.Password, restore.Stdout + restore.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, await TicketRowsAsync(Database));
    }

    [Fact]
    public async Task Backup_keeps_the_newest_N_and_a_failed_backup_leaves_nothing_behind()
    {
        string[] kept = [];
        for (var i = 0; i < 3; i++)
        {
            var backup = await RunAsync("backup.sh", ["--keep", "2", _backups], Libpq("care2connect"));
            Assert.Equal(0, backup.ExitCode);
            kept = [.. kept.Append(backup.Stdout.Trim()).TakeLast(2)];
        }

        Assert.Equal(kept.Order(), Directory.GetFiles(_backups, "*.dump").Order());

        // Nothing listens on this port: the backup fails, writes no file, removes no older backup, shows no password.
        var unreachable = Isolated();
        unreachable["PGHOST"] = "127.0.0.1";
        unreachable["PGPORT"] = TestPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture);
        unreachable["PGUSER"] = "postgres";
        unreachable["PGPASSWORD"] = server.Password;
        unreachable["PGCONNECT_TIMEOUT"] = "5";
        var failed = await RunAsync("backup.sh", ["--keep", "1", _backups], unreachable);
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Equal(string.Empty, failed.Stdout);
        Assert.DoesNotContain(server.Password, failed.Stderr, StringComparison.Ordinal);
        Assert.Equal(kept.Order(), Directory.GetFiles(_backups).Where(f => !Path.GetFileName(f).StartsWith('.')).Order());
    }

    public void Dispose() => Directory.Delete(_backups, recursive: true);

    private static async Task<List<Guid>> CreateTicketsAsync(HttpClient client, string prefix, int count)
    {
        List<Guid> ids = [];
        for (var i = 0; i < count; i++)
        {
            using var response = await client.PostAsJsonAsync("/api/tickets", new { displayName = $"{prefix} {i}", contactType = "PHONE", contactValue = $"+4420790000{i:00}" });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }

        return ids;
    }

    /// <summary>Every ticket row, every column, as the server renders it: equal means restored exactly.</summary>
    private async Task<SortedDictionary<Guid, string>> TicketRowsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, row_to_json(t)::text FROM tickets t", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new SortedDictionary<Guid, string>();
        while (await reader.ReadAsync())
        {
            rows[reader.GetGuid(0)] = reader.GetString(1);
        }

        return rows;
    }

    /// <summary>The standard libpq variables for the test server, and nothing else from this process's PG* environment.</summary>
    private Dictionary<string, string> Libpq(string database)
    {
        var environment = Isolated();
        environment["PGHOST"] = "127.0.0.1";
        environment["PGPORT"] = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["PGUSER"] = "postgres";
        environment["PGPASSWORD"] = server.Password;
        environment["PGDATABASE"] = database;
        return environment;
    }

    private static Dictionary<string, string> Isolated() => new() { ["C2C_BACKUP_DIR"] = string.Empty };

    private async Task<CompletedProcess> RunAsync(string script, string[] arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot(), "scripts", script), .. arguments]);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal) || k.StartsWith("C2C_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var result = await CompletedProcess.RunAsync(start, ScriptTimeout) ?? throw new TimeoutException($"{script} did not finish within {ScriptTimeout}");
        output.WriteLine($"$ {script} {string.Join(' ', arguments.Select(a => a.Contains(server.Password, StringComparison.Ordinal) ? "<connection string>" : a))} -> {result.ExitCode}");
        output.WriteLine(result.Stderr.TrimEnd());
        return result;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "scripts", "backup.sh")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No scripts/backup.sh above {AppContext.BaseDirectory}");
    }

}
