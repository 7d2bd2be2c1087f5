namespace Care2Connect.AppHost.Postgres;

/// <summary>
/// A PostgreSQL server run from the machine's own binaries, as an executable the orchestrator starts, stops
/// and shows in the dashboard. Its connection string reaches the server (no database named).
/// </summary>
/// <param name="name">The resource name.</param>
/// <param name="command">What the orchestrator runs (the wrapper script's interpreter).</param>
/// <param name="workingDirectory">The working directory.</param>
/// <param name="password">The superuser password parameter.</param>
public sealed class LocalPostgresServerResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    /// <summary>The name of the TCP endpoint.</summary>
    public const string PrimaryEndpointName = "tcp";

    /// <summary>The superuser's name.</summary>
    public const string UserName = "postgres";

    private EndpointReference? _primaryEndpoint;

    /// <summary>The superuser's password.</summary>
    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>The TCP endpoint clients connect to.</summary>
    public EndpointReference PrimaryEndpoint => _primaryEndpoint ??= new(this, PrimaryEndpointName);

    /// <summary>Databases declared on this server, by resource name.</summary>
    internal Dictionary<string, string> Databases { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={UserName};Password={PasswordParameter}");
}

/// <summary>A database on a <see cref="LocalPostgresServerResource"/>; created when the server first becomes healthy.</summary>
/// <param name="name">The resource name (also the connection string name).</param>
/// <param name="databaseName">The database's name on the server.</param>
/// <param name="parent">The server.</param>
public sealed class LocalPostgresDatabaseResource(string name, string databaseName, LocalPostgresServerResource parent)
    : Resource(name), IResourceWithParent<LocalPostgresServerResource>, IResourceWithConnectionString
{
    /// <inheritdoc />
    public LocalPostgresServerResource Parent { get; } = parent;

    /// <summary>The database's name on the server.</summary>
    public string DatabaseName { get; } = databaseName;

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent};Database={DatabaseName}");
}
