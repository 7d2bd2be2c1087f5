using Care2Connect.AppHost.Postgres;

namespace Care2Connect.Tests.Unit;

public sealed class PostgresModeResolverTests
{
    private const string Bin = "/usr/lib/postgresql/15/bin";

    private static PostgresModeChoice Resolve(PostgresMode mode, bool runtime, string? bin, string? external = null) =>
        PostgresModeResolver.Resolve(new PostgresHostingOptions { Mode = mode }, () => runtime, () => bin, external);

    [Fact]
    public void Auto_prefers_a_container_when_a_runtime_answers() =>
        Assert.Equal(PostgresMode.Container, Resolve(PostgresMode.Auto, runtime: true, Bin).Mode);

    [Fact]
    public void Auto_falls_back_to_local_binaries_without_a_runtime()
    {
        var choice = Resolve(PostgresMode.Auto, runtime: false, Bin);

        Assert.Equal(PostgresMode.Local, choice.Mode);
        Assert.Equal(Bin, choice.BinDirectory);
    }

    [Fact]
    public void Auto_with_nothing_available_fails_naming_all_three_options()
    {
        var error = Assert.Throws<PostgresUnavailableException>(() => Resolve(PostgresMode.Auto, runtime: false, bin: null));

        Assert.Contains("Container", error.Message, StringComparison.Ordinal);
        Assert.Contains("Local", error.Message, StringComparison.Ordinal);
        Assert.Contains("External", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install postgresql", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Local_without_binaries_fails_clearly() =>
        Assert.Throws<PostgresUnavailableException>(() => Resolve(PostgresMode.Local, runtime: true, bin: null));

    [Fact]
    public void External_needs_a_connection_string()
    {
        Assert.Throws<PostgresUnavailableException>(() => Resolve(PostgresMode.External, runtime: true, Bin, external: null));
        Assert.Equal(PostgresMode.External, Resolve(PostgresMode.External, runtime: false, bin: null, external: "Host=db").Mode);
    }

    [Fact]
    public void An_explicit_container_mode_does_not_probe()
    {
        var choice = PostgresModeResolver.Resolve(
            new PostgresHostingOptions { Mode = PostgresMode.Container },
            () => throw new InvalidOperationException("probed"),
            () => throw new InvalidOperationException("probed"),
            null);

        Assert.Equal(PostgresMode.Container, choice.Mode);
    }

    [Fact]
    public void Local_mode_finds_the_server_binaries_on_this_machine()
    {
        // The CI script installs Debian's server package; Local mode depends on finding it.
        var bin = PostgresModeResolver.FindBinDirectory(configured: null);

        Assert.NotNull(bin);
        Assert.True(File.Exists(Path.Combine(bin, "postgres")));
    }

    [Fact]
    public void The_default_data_directory_is_persistent_and_outside_temp_and_root_home()
    {
        var directory = PostgresHostingExtensions.DefaultDataDirectory();

        Assert.False(directory.StartsWith(Path.GetTempPath(), StringComparison.Ordinal));
        Assert.False(directory.StartsWith("/root", StringComparison.Ordinal));
        Assert.EndsWith(Path.Combine("care2connect", "postgres"), directory, StringComparison.Ordinal);
    }
}
