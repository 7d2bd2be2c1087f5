namespace Care2Connect.AppHost.Postgres;

/// <summary>How the AppHost provides PostgreSQL (configuration key <c>Postgres:Mode</c>).</summary>
public enum PostgresMode
{
    /// <summary>A container when a container runtime answers, else the machine's own server binaries.</summary>
    Auto,

    /// <summary>The official image in a container, with a named data volume.</summary>
    Container,

    /// <summary>The machine's own PostgreSQL server binaries, run as an executable resource.</summary>
    Local,

    /// <summary>An existing server, from the connection string <c>ConnectionStrings:care2connect</c>.</summary>
    External,
}

/// <summary>The <c>Postgres</c> configuration section of the AppHost.</summary>
public sealed class PostgresHostingOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Postgres";

    /// <summary>Which way to provide PostgreSQL.</summary>
    public PostgresMode Mode { get; set; } = PostgresMode.Auto;

    /// <summary>
    /// Local mode: where the cluster lives (<c>data/</c>) and where its socket goes (<c>run/</c>). Defaults to
    /// <c>/var/lib/care2connect/postgres</c> for root (root's home is closed to the unprivileged server user)
    /// and to <c>$XDG_DATA_HOME/care2connect/postgres</c> (or <c>~/.local/share/...</c>) for anyone else.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>Local mode: folder holding <c>postgres</c> and <c>initdb</c>. Defaults to <c>pg_config --bindir</c>.</summary>
    public string? BinDirectory { get; set; }

    /// <summary>Local mode, when the AppHost runs as root: the unprivileged user the server runs as.</summary>
    public string ServerUser { get; set; } = "postgres";

    /// <summary>Local and Container modes: a fixed host port; random when unset.</summary>
    public int? Port { get; set; }

    /// <summary>Local mode: how long a stop waits for PostgreSQL's fast shutdown before giving up.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long the dashboard's "Simulate outage" keeps the server stopped before starting it again.</summary>
    public TimeSpan OutageDrillDuration { get; set; } = TimeSpan.FromSeconds(30);
}
