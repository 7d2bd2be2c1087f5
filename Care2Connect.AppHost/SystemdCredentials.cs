using Microsoft.Extensions.Configuration;

namespace Care2Connect.AppHost;

/// <summary>
/// Secrets handed over by systemd (<c>LoadCredential=</c>, <c>LoadCredentialEncrypted=</c>): one file per value in
/// <c>$CREDENTIALS_DIRECTORY</c>, named like an environment variable (<c>Parameters__admin-key</c>). They cannot be
/// environment variables: systemd accepts only letters, digits and <c>_</c> in a variable's name, and the parameters'
/// names have a <c>-</c>. Outside systemd the variable is unset and this adds nothing.
/// </summary>
public static class SystemdCredentials
{
    /// <summary>The variable systemd sets for a unit that has credentials.</summary>
    public const string DirectoryVariable = "CREDENTIALS_DIRECTORY";

    /// <summary>
    /// Adds every file in <c>$CREDENTIALS_DIRECTORY</c> as a configuration value, above every other source: the file
    /// <c>Parameters__admin-key</c> becomes <c>Parameters:admin-key</c>, its content the value (trailing line breaks
    /// and spaces dropped). Values never reach a log.
    /// </summary>
    /// <param name="configuration">The AppHost's configuration.</param>
    /// <param name="directory">The credentials folder; defaults to <c>$CREDENTIALS_DIRECTORY</c>.</param>
    /// <returns>The same configuration.</returns>
    public static IConfigurationBuilder AddSystemdCredentials(this IConfigurationBuilder configuration, string? directory = null)
    {
        directory ??= Environment.GetEnvironmentVariable(DirectoryVariable);
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
        {
            return configuration;
        }

        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            var key = Path.GetFileName(file).Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal);
            values[key] = File.ReadAllText(file).TrimEnd();
        }

        return configuration.AddInMemoryCollection(values);
    }
}
