namespace Care2Connect.AppHost.BuiltProjects;

/// <summary>
/// A .NET project of this repository, run by the orchestrator from its build output (<c>dotnet &lt;assembly&gt;.dll</c>
/// in the project's folder) instead of through the <c>dotnet run --project ... --no-build</c> wrapper Aspire uses for a
/// <see cref="ProjectResource"/>. Everything else a project gets is kept: its launch profile's environment and
/// application URL (as the <c>http</c> endpoint), <c>ASPNETCORE_URLS</c>, OpenTelemetry, console log settings, and
/// service discovery for whoever references it. See <see cref="BuiltProjectExtensions.AddBuiltProject{TProject}"/>.
/// </summary>
/// <param name="name">The resource name.</param>
/// <param name="projectPath">The project file.</param>
/// <param name="assemblyPath">
/// The built assembly the AppHost's build recorded for it (run as <c>dotnet &lt;assembly&gt;</c>), or a natively compiled
/// executable (run as itself: the Monitor in Release).
/// </param>
public sealed class BuiltProjectResource(string name, string projectPath, string assemblyPath)
    : ExecutableResource(name, IsManaged(assemblyPath) ? "dotnet" : assemblyPath, Path.GetDirectoryName(projectPath) ?? throw new ArgumentException("No directory.", nameof(projectPath))),
      IResourceWithServiceDiscovery
{
    /// <summary>The project file (the <c>ProjectPath</c> of its generated <c>Projects.*</c> metadata).</summary>
    public string ProjectPath { get; } = projectPath;

    /// <summary>The built assembly (or native executable) that is run.</summary>
    public string AssemblyPath { get; } = assemblyPath;

    /// <summary>Whether <see cref="AssemblyPath"/> is a managed assembly, started by the <c>dotnet</c> host.</summary>
    public bool RunsOnDotnetHost => IsManaged(AssemblyPath);

    private static bool IsManaged(string path) => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);

    /// <summary>The HTTP endpoints the app's Kestrel serves through <c>ASPNETCORE_URLS</c> (as for a project).</summary>
    internal List<string> KestrelEndpoints { get; } = [];
}
