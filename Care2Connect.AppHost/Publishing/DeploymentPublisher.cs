using System.Text;
using Microsoft.Extensions.Configuration;

namespace Care2Connect.AppHost.Publishing;

/// <summary>A request to publish instead of run: where to write, and the arguments the builder gets.</summary>
/// <param name="OutputDirectory">The folder the generated files go to.</param>
/// <param name="BuilderArgs">The remaining arguments, plus those that put the builder in publish mode.</param>
public sealed record PublishRequest(string OutputDirectory, string[] BuilderArgs);

/// <summary>
/// The AppHost's publish mode: <c>dotnet run --project Care2Connect.AppHost -- --publish deploy/generated</c> builds
/// the same app model as a run (in Aspire's publish mode, so nothing on this machine is probed), reads it into a
/// <see cref="DeploymentModel"/> and writes Kubernetes manifests (<c>kubernetes/</c>), a Compose file
/// (<c>compose/compose.yaml</c>) and a README listing the secrets they need. Aspire 13.6's own publishers
/// (<c>Aspire.Hosting.Kubernetes</c>, <c>Aspire.Hosting.Docker</c>) are not served to this project (docs/ASPIRE-FACTS.md).
/// </summary>
public static class DeploymentPublisher
{
    /// <summary>The command-line switch.</summary>
    public const string Switch = "--publish";

    /// <summary>The command that regenerates the committed output.</summary>
    public const string Command = "dotnet run --project Care2Connect.AppHost -- --publish deploy/generated";

    private const string Header = "# Generated from the AppHost's app model by `" + Command + "`.\n# Do not edit: change the AppHost and regenerate (a test fails while this differs from what it generates).\n";

    /// <summary>Reads <c>--publish &lt;folder&gt;</c> from the command line; null when absent.</summary>
    /// <param name="args">The AppHost's arguments.</param>
    public static PublishRequest? Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var index = Array.IndexOf(args, Switch);
        if (index < 0)
        {
            return null;
        }

        if (index + 1 >= args.Length || args[index + 1].StartsWith('-'))
        {
            throw new ArgumentException($"{Switch} needs a folder, e.g. {Switch} deploy/generated.", nameof(args));
        }

        // Production unless told otherwise, as `aspire publish` does: a developer's user secrets (read in Development
        // only) must not change what is generated.
        string[] rest = [.. args[..index], .. args[(index + 2)..], "--operation", "publish", "--publisher", "care2connect"];
        if (!rest.Contains("--environment"))
        {
            rest = [.. rest, "--environment", "Production"];
        }

        return new PublishRequest(args[index + 1], rest);
    }

    /// <summary>The generated files (relative path → text), from the app model built in publish mode.</summary>
    /// <param name="resources">The app model's resources.</param>
    /// <param name="executionContext">The builder's execution context (publish mode).</param>
    /// <param name="configuration">The AppHost's configuration (the <c>Publish</c> section).</param>
    /// <param name="cancellationToken">Cancels the evaluation.</param>
    public static async Task<SortedDictionary<string, string>> GenerateAsync(
        IEnumerable<IResource> resources,
        DistributedApplicationExecutionContext executionContext,
        IConfiguration configuration,
        CancellationToken cancellationToken = default)
    {
        var options = new PublishOptions();
        configuration.GetSection(PublishOptions.Section).Bind(options);
        var model = await DeploymentModelBuilder.BuildAsync(resources, executionContext, options, cancellationToken);
        return Render(model);
    }

    /// <summary>The files for a deployment model.</summary>
    /// <param name="model">The deployment.</param>
    public static SortedDictionary<string, string> Render(DeploymentModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, text) in KubernetesWriter.Write(model, Header))
        {
            files[$"kubernetes/{name}"] = text;
        }

        files["compose/compose.yaml"] = ComposeWriter.Write(model, Header);
        files["README.md"] = Readme(model);
        return files;
    }

    /// <summary>Generates into <paramref name="outputDirectory"/>, replacing what an earlier run generated there.</summary>
    /// <param name="builder">The AppHost builder, every resource added, in publish mode.</param>
    /// <param name="outputDirectory">The folder, relative to the repository root when not absolute.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> PublishAsync(IDistributedApplicationBuilder builder, string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var files = await GenerateAsync(builder.Resources, builder.ExecutionContext, builder.Configuration);
        // Relative to the repository (the AppHost project's parent folder): `dotnet run` starts in the project's folder.
        var root = Path.GetFullPath(outputDirectory, Path.GetDirectoryName(builder.AppHostDirectory.TrimEnd(Path.DirectorySeparatorChar))!);
        foreach (var folder in new[] { "kubernetes", "compose" }.Select(f => Path.Combine(root, f)).Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
        }

        foreach (var (relative, text) in files)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        }

        await Console.Out.WriteLineAsync($"Published {files.Count} files to {root}.");
        return 0;
    }

    private static string Readme(DeploymentModel model)
    {
        var text = new StringBuilder();
        text.Append("# Generated deployment\n\n");
        text.Append("Generated from the AppHost's app model by `").Append(Command).Append("`; do not edit.\n");
        text.Append("How to deploy it, and what was verified where: docs/DEPLOYMENT.md.\n\n");
        text.Append("| Setting | Value |\n| --- | --- |\n");
        text.Append("| Postgres | ").Append(model.PostgresMode == "External" ? "External: the connection string is the secret `care2connect`" : "StatefulSet `postgres` with a volume of its own").Append(" |\n");
        text.Append("| Tunnel | ").Append(model.TunnelMode == "Off" ? "Off" : "cloudflared with `TUNNEL_TOKEN` from the secret `tunnel-token`").Append(" |\n");
        text.Append("| Workloads | ").Append(string.Join(", ", model.Workloads.Select(w => $"`{w.Name}` ({w.Kind})"))).Append(" |\n\n");
        text.Append("## Secrets\n\nNo value is in these files. Kubernetes reads them from the Secret `").Append(model.SecretName)
            .Append("`, Compose from variables (an `.env` file beside `compose.yaml`, never committed):\n\n");
        text.Append("| Secret key (Kubernetes) | Compose variable |\n| --- | --- |\n");
        foreach (var key in model.SecretKeys)
        {
            text.Append("| `").Append(key).Append("` | `").Append(ComposeWriter.Variable(key)).Append("` |\n");
        }

        text.Append("\n```bash\nkubectl create secret generic ").Append(model.SecretName);
        foreach (var key in model.SecretKeys)
        {
            text.Append(" \\\n  --from-file=").Append(key).Append("=/path/to/").Append(key);
        }

        text.Append("\nkubectl apply -k deploy/generated/kubernetes\n```\n");
        return text.ToString();
    }
}
