using System.Diagnostics;

namespace Care2Connect.AppHost.Postgres;

/// <summary>The outcome of choosing a Postgres mode: what was chosen and why, for the startup log.</summary>
/// <param name="Mode">Container, Local or External; never Auto.</param>
/// <param name="Reason">One sentence a user can read.</param>
/// <param name="BinDirectory">For Local: where the server binaries are.</param>
public sealed record PostgresModeChoice(PostgresMode Mode, string Reason, string? BinDirectory = null);

/// <summary>Thrown when no Postgres mode can work on this machine. The message says what to do.</summary>
public sealed class PostgresUnavailableException(string message) : Exception(message);

/// <summary>
/// Decides how Postgres runs, before the app model is built: a container resource with no healthy runtime
/// would sit in RuntimeUnhealthy forever, so the choice cannot be left to run time.
/// </summary>
public static class PostgresModeResolver
{
    /// <summary>The message shown when nothing fits; names the three ways out.</summary>
    public const string NothingFitsMessage =
        "Care2Connect needs PostgreSQL, and none of the three ways to get it works on this machine. Choose one:\n"
        + "  1. Container: start Docker or Podman (a container runtime must answer 'docker container ls').\n"
        + "  2. Local: install the PostgreSQL server (Debian/Ubuntu: sudo apt-get install postgresql), or set Postgres:BinDirectory.\n"
        + "  3. External: set Postgres:Mode=External and ConnectionStrings:care2connect to an existing server.";

    /// <summary>Chooses the mode. Probes are functions so tests can say what the machine has.</summary>
    /// <param name="options">The configured options.</param>
    /// <param name="containerRuntimeAnswers">Whether a container runtime is healthy.</param>
    /// <param name="findBinDirectory">The server binaries' folder, or null when there are none.</param>
    /// <param name="externalConnectionString">The configured external connection string, if any.</param>
    public static PostgresModeChoice Resolve(
        PostgresHostingOptions options,
        Func<bool> containerRuntimeAnswers,
        Func<string?> findBinDirectory,
        string? externalConnectionString)
    {
        switch (options.Mode)
        {
            case PostgresMode.Container:
                return new(PostgresMode.Container, "Postgres:Mode is Container.");
            case PostgresMode.External when string.IsNullOrWhiteSpace(externalConnectionString):
                throw new PostgresUnavailableException(
                    "Postgres:Mode is External but ConnectionStrings:care2connect is not set.\n" + NothingFitsMessage);
            case PostgresMode.External:
                return new(PostgresMode.External, "Postgres:Mode is External.");
            case PostgresMode.Local:
                return findBinDirectory() is { } bin
                    ? new(PostgresMode.Local, $"Postgres:Mode is Local; server binaries in {bin}.", bin)
                    : throw new PostgresUnavailableException(
                        "Postgres:Mode is Local but no PostgreSQL server binaries were found.\n" + NothingFitsMessage);
        }

        if (containerRuntimeAnswers())
        {
            return new(PostgresMode.Container, "A container runtime answers.");
        }

        if (findBinDirectory() is { } found)
        {
            return new(PostgresMode.Local, $"No container runtime answers; using the server binaries in {found}.", found);
        }

        throw new PostgresUnavailableException(NothingFitsMessage);
    }

    /// <summary>
    /// The mode when the AppHost publishes (<c>--publish</c>): External stays External (its connection string then
    /// comes from a secret where it runs, so none is needed here); every other mode becomes Container, which the
    /// publisher turns into a server with a volume of its own. Nothing on this machine is probed.
    /// </summary>
    /// <param name="options">The configured options.</param>
    public static PostgresModeChoice ResolveForPublishing(PostgresHostingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Mode == PostgresMode.External
            ? new(PostgresMode.External, "Publishing: Postgres:Mode is External (the connection string is a secret where it runs).")
            : new(PostgresMode.Container, $"Publishing: Postgres:Mode {options.Mode} becomes a server with a volume of its own.");
    }

    /// <summary>
    /// True when a container runtime answers the way Aspire's orchestrator checks it
    /// (<c>&lt;runtime&gt; container ls -n 1</c>), honouring <c>ASPIRE_CONTAINER_RUNTIME</c>.
    /// </summary>
    public static bool ContainerRuntimeAnswers() => ContainerRuntimeAnswers(null);

    /// <summary>As <see cref="ContainerRuntimeAnswers()"/>, with the runtime named by the AppHost's configuration first.</summary>
    /// <param name="configuredRuntime">The AppHost's <c>ASPIRE_CONTAINER_RUNTIME</c> setting (environment or command line), if any.</param>
    public static bool ContainerRuntimeAnswers(string? configuredRuntime)
    {
        var configured = configuredRuntime
            ?? Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME")
            ?? Environment.GetEnvironmentVariable("DOTNET_ASPIRE_CONTAINER_RUNTIME");
        string[] runtimes = string.IsNullOrWhiteSpace(configured) ? ["docker", "podman"] : [configured];
        return runtimes.Any(runtime => Succeeds(runtime, ["container", "ls", "-n", "1"]));
    }

    /// <summary>
    /// The folder with <c>postgres</c> and <c>initdb</c>: the configured one, else <c>pg_config --bindir</c>,
    /// else the newest <c>/usr/lib/postgresql/*/bin</c> (Debian's layout, where pg_config may be absent).
    /// </summary>
    public static string? FindBinDirectory(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return HasServer(configured) ? configured : null;
        }

        if (Output("pg_config", ["--bindir"]) is { } fromPgConfig && HasServer(fromPgConfig))
        {
            return fromPgConfig;
        }

        const string DebianRoot = "/usr/lib/postgresql";
        return Directory.Exists(DebianRoot)
            ? Directory.GetDirectories(DebianRoot)
                .Select(version => Path.Combine(version, "bin"))
                .Where(HasServer)
                .OrderByDescending(path => int.TryParse(Path.GetFileName(Path.GetDirectoryName(path)), out var major) ? major : 0)
                .FirstOrDefault()
            : null;
    }

    private static bool HasServer(string bin) =>
        File.Exists(Path.Combine(bin, "postgres")) && File.Exists(Path.Combine(bin, "initdb"));

    private static bool Succeeds(string fileName, string[] args) => Run(fileName, args, out _) == 0;

    private static string? Output(string fileName, string[] args) =>
        Run(fileName, args, out var output) == 0 && !string.IsNullOrWhiteSpace(output) ? output.Trim() : null;

    private static int? Run(string fileName, string[] args, out string output)
    {
        output = string.Empty;
        var start = new ProcessStartInfo(fileName, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            var stdout = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            output = stdout.GetAwaiter().GetResult();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Not installed.
            return null;
        }
    }
}
