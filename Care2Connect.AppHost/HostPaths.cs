using Care2Connect.Logging;

namespace Care2Connect.AppHost;

/// <summary>
/// Where the AppHost keeps what must outlive a run, by the XDG base directory conventions: never inside the
/// repository or a temporary folder. As root, system locations, which the unprivileged Postgres user can reach
/// (root's home is closed to it).
/// </summary>
public static class HostPaths
{
    /// <summary>True when the AppHost runs as root.</summary>
    public static bool RunningAsRoot => Environment.UserName == "root";

    /// <summary><c>/var/lib/care2connect/{name}</c> as root, else <c>$XDG_DATA_HOME/care2connect/{name}</c>.</summary>
    /// <param name="name">The sub-folder.</param>
    public static string Data(string name) =>
        RunningAsRoot ? Path.Combine("/var/lib/care2connect", name) : Path.Combine(UserDirectory("XDG_DATA_HOME", ".local", "share"), "care2connect", name);

    /// <summary><c>/var/log/care2connect</c> as root, else <c>$XDG_STATE_HOME/care2connect/logs</c>.</summary>
    public static string Logs() => LogDirectories.Default;

    private static string UserDirectory(string variable, params string[] fallbackUnderHome) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } configured
            ? configured
            : Path.Combine([Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), .. fallbackUnderHome]);
}
