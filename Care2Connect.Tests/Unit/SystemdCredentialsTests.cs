using Care2Connect.AppHost;
using Microsoft.Extensions.Configuration;

namespace Care2Connect.Tests.Unit;

public sealed class SystemdCredentialsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("c2c-credentials-").FullName;

    [Fact]
    public void Credential_files_become_configuration_values_above_other_sources()
    {
        File.WriteAllText(Path.Combine(_directory, "Parameters__admin-key"), "from-systemd\n");
        File.WriteAllText(Path.Combine(_directory, "Auth__AdminKeys__1"), "next-admin-key");

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Parameters:admin-key"] = "from-user-secrets" })
            .AddSystemdCredentials(_directory)
            .Build();

        Assert.Equal("from-systemd", configuration["Parameters:admin-key"]);
        Assert.Equal("next-admin-key", configuration["Auth:AdminKeys:1"]);
    }

    [Fact]
    public void Without_a_credentials_directory_nothing_is_added()
    {
        var configuration = new ConfigurationBuilder()
            .AddSystemdCredentials(Path.Combine(_directory, "absent"))
            .Build();

        Assert.Empty(configuration.AsEnumerable());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
