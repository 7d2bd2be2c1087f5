using System.Diagnostics;
using System.Reflection;

namespace Care2Connect.Api.Recovery;

/// <summary>Who this process is: version (with the commit it was built from), pid, and when it started.</summary>
internal sealed class ServerInfo(TimeProvider time, IHostEnvironment environment)
{
    public DateTimeOffset StartedAt { get; } = new(Process.GetCurrentProcess().StartTime.ToUniversalTime(), TimeSpan.Zero);

    /// <summary>The informational version; the SDK appends <c>+commit</c> when it builds from a git checkout.</summary>
    public string Version { get; } =
        typeof(ServerInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public string? Commit => Version.IndexOf('+', StringComparison.Ordinal) is var plus and >= 0 ? Version[(plus + 1)..] : null;

    public string Environment => environment.EnvironmentName;

    public TimeSpan Uptime => time.GetUtcNow() - StartedAt;
}
