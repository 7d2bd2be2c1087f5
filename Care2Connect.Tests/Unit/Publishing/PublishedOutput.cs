using System.Diagnostics;
using Care2Connect.Tests.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Care2Connect.Tests.Unit.Publishing;

/// <summary>
/// The AppHost's publish mode run as a user runs it (<c>Care2Connect.AppHost --publish &lt;folder&gt;</c>), once per test
/// class, into a temporary folder, with secret values configured so the tests can look for them in the output.
/// </summary>
public sealed class PublishedOutput : IAsyncLifetime
{
    /// <summary>Secret values the AppHost is given while publishing: none may appear in what it writes.</summary>
    public static readonly IReadOnlyDictionary<string, string> Secrets = new Dictionary<string, string>
    {
        ["Parameters__operator-key"] = "operator-key-value-that-must-not-leak-3f1c",
        ["Parameters__admin-key"] = "admin-key-value-that-must-not-leak-9a2e",
        ["Parameters__postgres-password"] = "postgres-password-that-must-not-leak-77b0",
        ["Parameters__tunnel-token"] = "tunnel-token-that-must-not-leak-c41d",
    };

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"c2c-publish-{Guid.NewGuid():N}");

    /// <summary>The repository's folder (the AppHost project's parent).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot(Projects.Care2Connect_AppHost.ProjectPath);

    /// <summary>The committed output.</summary>
    public static string Committed { get; } = Path.Combine(RepositoryRoot, "deploy", "generated");

    public string Output { get; private set; } = string.Empty;

    public async Task InitializeAsync() => Output = await PublishAsync(Directory, Secrets);

    public Task DisposeAsync()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }

        return Task.CompletedTask;
    }

    /// <summary>Runs the built AppHost with <c>--publish</c>; the environment holds no setting of ours but <paramref name="environment"/>.</summary>
    public static async Task<string> PublishAsync(string directory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Care2Connect.AppHost.dll"));
        start.ArgumentList.Add("--publish");
        start.ArgumentList.Add(directory);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Whatever configures the AppHost in this process's environment (a developer's shell) must not shape the output.
        foreach (var key in start.Environment.Keys.Where(k => k.Contains("__", StringComparison.Ordinal) || k is "DOTNET_ENVIRONMENT" or "ASPNETCORE_ENVIRONMENT").ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var ended = await CompletedProcess.RunAsync(start, TimeSpan.FromMinutes(2)) ?? throw new TimeoutException("--publish did not finish within 2 minutes");
        var output = ended.Stdout + ended.Stderr;
        Assert.True(ended.ExitCode == 0, $"--publish exited with {ended.ExitCode}:\n{output}");
        return output;
    }

    private static string FindRepositoryRoot(string start)
    {
        for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Care2Connect.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Care2Connect.sln above {start}.");
    }

    /// <summary>Every file under <paramref name="root"/>, by path relative to it ('/' separated).</summary>
    public static SortedDictionary<string, string> Files(string root) =>
        new(System.IO.Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllText), StringComparer.Ordinal);

    /// <summary>The YAML documents of a generated file, as maps.</summary>
    public List<Dictionary<object, object>> Documents(string relativePath) => Parse(File.ReadAllText(Path.Combine(Directory, relativePath)));

    /// <summary>Every Kubernetes object generated.</summary>
    public List<Dictionary<object, object>> KubernetesObjects() =>
        [.. System.IO.Directory.GetFiles(Path.Combine(Directory, "kubernetes"), "*.yaml").Order(StringComparer.Ordinal)
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(f => Parse(File.ReadAllText(f)))];

    public static List<Dictionary<object, object>> Parse(string yaml)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        var documents = new List<Dictionary<object, object>>();
        while (parser.Accept<DocumentStart>(out _))
        {
            documents.Add(deserializer.Deserialize<Dictionary<object, object>>(parser));
        }

        return documents;
    }
}

/// <summary>Reading parsed YAML without casts everywhere.</summary>
internal static class YamlNode
{
    public static Dictionary<object, object> Map(this object node, string key) =>
        (Dictionary<object, object>)((Dictionary<object, object>)node)[key];

    public static List<object> List(this object node, string key) =>
        (List<object>)((Dictionary<object, object>)node)[key];

    public static string Text(this object node, string key) =>
        (string)((Dictionary<object, object>)node)[key];

    public static bool Has(this object node, string key) =>
        ((Dictionary<object, object>)node).ContainsKey(key);

    public static int Number(this object node, string key) =>
        int.Parse(node.Text(key), System.Globalization.CultureInfo.InvariantCulture);
}
