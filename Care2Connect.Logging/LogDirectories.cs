namespace Care2Connect.Logging;

/// <summary>Where Care2Connect's log files go unless configured: the same folder for the AppHost and the Monitor.</summary>
public static class LogDirectories
{
    /// <summary>
    /// <c>/var/log/care2connect</c> as root, else <c>$XDG_STATE_HOME/care2connect/logs</c> (by the XDG base
    /// directory conventions, <c>~/.local/state/care2connect/logs</c> when the variable is unset).
    /// </summary>
    public static string Default =>
        Environment.UserName == "root"
            ? "/var/log/care2connect"
            : Path.Combine(
                Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } configured
                    ? configured
                    : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state"),
                "care2connect",
                "logs");
}
