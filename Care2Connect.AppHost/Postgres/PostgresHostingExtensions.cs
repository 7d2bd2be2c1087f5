using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Care2Connect.AppHost.Operations;
using Care2Connect.AppHost.Supervision;
using Npgsql;

namespace Care2Connect.AppHost.Postgres;

/// <summary>
/// Adds Care2Connect's PostgreSQL to an AppHost in whichever way the machine allows: a container, the machine's
/// own server binaries, or an external server. See <see cref="PostgresHostingOptions"/> for the settings.
/// </summary>
public static class PostgresHostingExtensions
{
    /// <summary>Name of the generated, persisted superuser password parameter.</summary>
    public const string PasswordParameterName = "postgres-password";

    private static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Adds a PostgreSQL server named <paramref name="serverName"/> with a database <paramref name="databaseName"/>,
    /// choosing the mode from <c>Postgres:Mode</c> (<see cref="PostgresMode"/>): <c>Container</c> uses
    /// <c>Aspire.Hosting.PostgreSQL</c> with a data volume; <c>Local</c> runs the machine's server binaries as an
    /// executable resource (fast shutdown on stop, unprivileged user when run as root, data kept across runs);
    /// <c>External</c> takes <c>ConnectionStrings:{databaseName}</c>; <c>Auto</c> picks Container when a container
    /// runtime answers, else Local when the binaries are installed.
    /// </summary>
    /// <param name="builder">The AppHost builder.</param>
    /// <param name="serverName">The server resource's name.</param>
    /// <param name="databaseName">The database resource's name, which is also its connection string name.</param>
    /// <returns>The database, to pass to <c>WithReference</c>.</returns>
    /// <exception cref="PostgresUnavailableException">No mode fits this machine; the message says what to do.</exception>
    public static IResourceBuilder<IResourceWithConnectionString> AddCare2ConnectPostgres(
        this IDistributedApplicationBuilder builder,
        [ResourceName] string serverName = "postgres",
        [ResourceName] string databaseName = "care2connect")
    {
        var options = builder.Configuration.GetSection(PostgresHostingOptions.Section).Get<PostgresHostingOptions>() ?? new();
        // Publishing describes the database for another engine, not for this machine: the server there is the
        // container (a StatefulSet, a Compose service) unless it is External, whatever this machine could run.
        var choice = builder.ExecutionContext.IsPublishMode
            ? PostgresModeResolver.ResolveForPublishing(options)
            : PostgresModeResolver.Resolve(
                options,
                PostgresModeResolver.ContainerRuntimeAnswers,
                () => PostgresModeResolver.FindBinDirectory(options.BinDirectory),
                builder.Configuration.GetConnectionString(databaseName));

        builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
        {
            Log.PostgresMode(@event.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PostgresHostingExtensions)), choice.Mode, choice.Reason);
            return Task.CompletedTask;
        });

        if (choice.Mode == PostgresMode.External)
        {
            return builder.AddConnectionString(databaseName);
        }

        var password = builder.AddParameter(
            PasswordParameterName,
            new GenerateParameterDefault { MinLength = 32, Special = false },
            secret: true,
            persist: true);

        if (choice.Mode == PostgresMode.Container)
        {
            return builder.AddPostgres(serverName, password: password, port: options.Port)
                .WithDataVolume()
                .WithRestartPolicy(builder.RestartPolicyFor(serverName))
                .WithOutageDrillCommand(options.OutageDrillDuration)
                .AddDatabase(databaseName);
        }

        return builder.AddLocalPostgres(serverName, password, options, choice.BinDirectory!)
            .WithRestartPolicy(builder.RestartPolicyFor(serverName))
            .WithOutageDrillCommand(options.OutageDrillDuration)
            .AddLocalDatabase(databaseName);
    }

    /// <summary>
    /// Adds a PostgreSQL server run from the machine's own binaries as an executable resource, with a TCP
    /// endpoint on loopback, a health check, and a cluster created once under
    /// <see cref="PostgresHostingOptions.DataDirectory"/>.
    /// </summary>
    /// <param name="builder">The AppHost builder.</param>
    /// <param name="name">The resource name.</param>
    /// <param name="password">The superuser password parameter.</param>
    /// <param name="options">Where the data goes, which user runs it, the port and the stop timeout.</param>
    /// <param name="binDirectory">The folder with <c>postgres</c>, <c>initdb</c>, <c>pg_isready</c> and <c>psql</c>.</param>
    /// <returns>The server resource.</returns>
    public static IResourceBuilder<LocalPostgresServerResource> AddLocalPostgres(
        this IDistributedApplicationBuilder builder,
        [ResourceName] string name,
        IResourceBuilder<ParameterResource> password,
        PostgresHostingOptions options,
        string binDirectory)
    {
        var root = Path.GetFullPath(options.DataDirectory ?? DefaultDataDirectory());
        var scriptDirectory = Path.Combine(AppContext.BaseDirectory, "Postgres");
        
        // The wrapper creates the data directory itself when it first starts: declaring the model has no side effects.
        var server = new LocalPostgresServerResource(name, "bash", scriptDirectory, password.Resource);
        string? connectionString = null;

        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(server, async (_, ct) =>
            connectionString = await server.ConnectionStringExpression.GetValueAsync(ct));

        builder.Eventing.Subscribe<ResourceReadyEvent>(server, async (@event, ct) =>
        {
            if (connectionString is null)
            {
                return;
            }

            await CreateDatabasesAsync(server, connectionString, @event.Services, ct);
        });

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey,
            _ => new PostgresConnectionHealthCheck(() => connectionString is null ? null : connectionString + ";Database=postgres", HealthCheckTimeout),
            failureStatus: null,
            tags: null));

        return builder.AddResource(server)
            .WithArgs(Path.Combine(scriptDirectory, "run-postgres.sh"))
            .WithEndpoint(port: options.Port, name: LocalPostgresServerResource.PrimaryEndpointName, scheme: "tcp", env: "PGPORT")
            .WithEnvironment("C2C_PG_BINDIR", binDirectory)
            .WithEnvironment("C2C_PG_ROOT", root)
            .WithEnvironment("C2C_PG_RUN_AS", HostPaths.RunningAsRoot ? options.ServerUser : string.Empty)
            .WithEnvironment("C2C_PG_STOP_TIMEOUT", ((int)Math.Ceiling(options.StopTimeout.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment(context => context.EnvironmentVariables["C2C_PG_PASSWORD"] = password.Resource)
            .WithIconName("DatabaseMultiple")
            .WithHealthCheck(healthCheckKey);
    }

    /// <summary>Adds a database on a local server; it is created when the server first becomes healthy.</summary>
    /// <param name="server">The server.</param>
    /// <param name="name">The resource name, also used as the database's name.</param>
    /// <returns>The database resource.</returns>
    public static IResourceBuilder<LocalPostgresDatabaseResource> AddLocalDatabase(
        this IResourceBuilder<LocalPostgresServerResource> server,
        [ResourceName] string name)
    {
        var database = new LocalPostgresDatabaseResource(name, name, server.Resource);
        server.Resource.Databases[name] = name;

        string? connectionString = null;
        server.ApplicationBuilder.Eventing.Subscribe<ConnectionStringAvailableEvent>(database, async (_, ct) =>
            connectionString = await database.ConnectionStringExpression.GetValueAsync(ct));

        var healthCheckKey = $"{name}_check";
        server.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey,
            _ => new PostgresConnectionHealthCheck(() => connectionString, HealthCheckTimeout),
            failureStatus: null,
            tags: null));

        // Aspire hands a parent's lifecycle to its child resources only when the parent is a container: on an
        // executable server the database would stay "Unknown" in the dashboard, and a resource that never runs gets no
        // health status. Mirror the server's state, so the database shows Running and its own health check.
        server.ApplicationBuilder.Eventing.Subscribe<InitializeResourceEvent>(database, (@event, _) =>
        {
            StartMirroringServerState(database, @event);
            return Task.CompletedTask;
        });

        return server.ApplicationBuilder.AddResource(database).WithHealthCheck(healthCheckKey);
    }

    private static void StartMirroringServerState(LocalPostgresDatabaseResource database, InitializeResourceEvent initialize)
    {
        var stopping = initialize.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        _ = MirrorServerStateAsync(database, initialize.Notifications, stopping);
    }

    private static async Task MirrorServerStateAsync(LocalPostgresDatabaseResource database, ResourceNotificationService notifications, CancellationToken cancellationToken)
    {
        try
        {
            (ResourceStateSnapshot? State, DateTime? Started, DateTime? Stopped) mirrored = default;
            await foreach (var update in notifications.WatchAsync(cancellationToken))
            {
                if (!ReferenceEquals(update.Resource, database.Parent))
                {
                    continue;
                }

                var server = update.Snapshot;
                var current = (server.State, server.StartTimeStamp, server.StopTimeStamp);
                if (current == mirrored)
                {
                    continue;
                }

                mirrored = current;
                await notifications.PublishUpdateAsync(database, s => s with
                {
                    State = current.State,
                    StartTimeStamp = current.StartTimeStamp,
                    StopTimeStamp = current.StopTimeStamp,
                });
            }
        }
        catch (OperationCanceledException)
        {
            // The AppHost is stopping.
        }
    }

    /// <summary>
    /// The default cluster location: persistent, outside the repository and any temporary folder, and reachable
    /// by the unprivileged server user (root's home is closed to it).
    /// </summary>
    public static string DefaultDataDirectory() => HostPaths.Data("postgres");

    private static async Task CreateDatabasesAsync(LocalPostgresServerResource server, string connectionString, IServiceProvider services, CancellationToken cancellationToken)
    {
        var logger = services.GetRequiredService<ResourceLoggerService>().GetLogger(server);
        await using var connection = new NpgsqlConnection(connectionString + ";Database=postgres;Pooling=false");
        await connection.OpenAsync(cancellationToken);
        foreach (var databaseName in server.Databases.Values)
        {
            if (await EnsureDatabaseAsync(connection, databaseName, cancellationToken))
            {
                Log.DatabaseCreated(logger, databaseName);
            }
        }
    }

    /// <summary>
    /// Creates database <paramref name="name"/> unless it exists. Someone else may create it at the same moment — on a
    /// new cluster the API's migrations create a missing database too, as soon as the server answers — and then both
    /// saw it missing: the one whose CREATE DATABASE loses is told so (duplicate database, or the unique index of
    /// <c>pg_database</c>), and the database is there, which is all that was asked.
    /// </summary>
    /// <returns>Whether this call created it.</returns>
    public static async Task<bool> EnsureDatabaseAsync(NpgsqlConnection connection, string name, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", name);
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
        {
            return false;
        }

        var quoted = new NpgsqlCommandBuilder().QuoteIdentifier(name);
        await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }
        catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            return false;
        }
    }
}
