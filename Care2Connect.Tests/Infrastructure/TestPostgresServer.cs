using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace Care2Connect.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL server for focused tests, run by the same wrapper script the AppHost uses (fast shutdown on
/// SIGTERM, unprivileged user when root), on its own port and data directory, so a test can stop, start and
/// slow it down at will.
/// </summary>
public sealed class TestPostgresServer : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _wrapper;

    public int Port { get; } = TestPorts.Free();

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "c2c-pg-" + Guid.NewGuid().ToString("N")[..12]);

    public string Password { get; } = "pw" + Guid.NewGuid().ToString("N");

    public IReadOnlyCollection<string> Log => _log;

    public string ConnectionString(string database = "care2connect") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Password={Password};Database={database};Pooling=false;Timeout=5";

    public async Task InitializeAsync()
    {
        await StartAsync();
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand("CREATE DATABASE care2connect", connection);
        await create.ExecuteNonQueryAsync();
    }

    public async Task StartAsync()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Postgres", "run-postgres.sh");
        var start = new ProcessStartInfo("bash", [script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PGPORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["C2C_PG_BINDIR"] = Care2Connect.AppHost.Postgres.PostgresModeResolver.FindBinDirectory(null)
            ?? throw new InvalidOperationException("No PostgreSQL server binaries on this machine.");
        start.Environment["C2C_PG_ROOT"] = Root;
        start.Environment["C2C_PG_PASSWORD"] = Password;
        start.Environment["C2C_PG_RUN_AS"] = Environment.UserName == "root" ? "postgres" : string.Empty;
        _wrapper = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        _wrapper.OutputDataReceived += (_, e) => { if (e.Data is not null) { _log.Enqueue(e.Data); } };
        _wrapper.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _log.Enqueue(e.Data); } };
        _wrapper.BeginOutputReadLine();
        _wrapper.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline && !_wrapper.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Stops the server as the orchestrator does (SIGTERM to the wrapper: a fast shutdown).</summary>
    public async Task StopAsync()
    {
        if (_wrapper is not { HasExited: false } wrapper)
        {
            return;
        }

        ProcessTree.Signal(wrapper.Id, "TERM");

        using var cts = new CancellationTokenSource(Timeout);
        await wrapper.WaitForExitAsync(cts.Token);
        wrapper.Dispose();
        _wrapper = null;
    }

    /// <summary>Runs SQL on the database as the superuser, outside the API.</summary>
    public async Task<T?> ScalarAsync<T>(string sql, string database = "care2connect")
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
