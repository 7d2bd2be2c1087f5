using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Care2Connect.AppHost.BuiltProjects;

/// <summary>Runs this repository's projects from their build output, without a <c>dotnet run</c> wrapper.</summary>
public static class BuiltProjectExtensions
{
    private const string AssemblyMetadataPrefix = "Care2Connect.BuiltProject:";
    private const string PublishedMetadataPrefix = "Care2Connect.PublishedProject:";

    /// <summary>
    /// <c>true</c>: run every project from its build output even where the Release build published one to run (the API
    /// ReadyToRun, the Monitor native AOT), e.g. to compare the two or to rule the publish out.
    /// </summary>
    public const string RunBuildOutputKey = "AppHost:RunBuildOutput";

    /// <summary>
    /// Adds a project the AppHost references, run as <c>dotnet &lt;its built assembly&gt;</c> in the project's folder
    /// (its content root, as under <c>dotnet run</c>). Aspire 13.6 runs every <see cref="ProjectResource"/> through
    /// <c>dotnet run --project ... --no-build</c>, a second process per app that evaluates the project with MSBuild on
    /// every start and then stays resident: measured here, about 130 MiB and 2–5 s of a start on two cores (see
    /// docs/ASPIRE-FACTS.md). This resource is what that wrapper ends up executing, with what Aspire gives a project in
    /// run mode: the first <c>Project</c> launch profile's environment and <c>DOTNET_LAUNCH_PROFILE</c>, its
    /// <c>applicationUrl</c> as the endpoint of that scheme (<c>http</c>), <c>ASPNETCORE_URLS</c> for its Kestrel
    /// endpoints (<see cref="WithKestrelHttpEndpoint"/>), the OTLP exporter settings, the console log settings, and
    /// service discovery for the resources that reference it. The assembly is the one the AppHost's build recorded
    /// (<c>RecordBuiltProjectAssemblies</c> in <c>Care2Connect.AppHost.csproj</c>): building the AppHost builds it.
    /// What is lost: an IDE cannot attach its debugger through the orchestrator (attach to the process instead), and
    /// <c>dotnet watch</c> does not apply.
    /// </summary>
    /// <typeparam name="TProject">The project's generated metadata type (<c>Projects.*</c>).</typeparam>
    /// <param name="builder">The AppHost builder.</param>
    /// <param name="name">The resource name.</param>
    /// <returns>The resource builder.</returns>
    public static IResourceBuilder<BuiltProjectResource> AddBuiltProject<TProject>(this IDistributedApplicationBuilder builder, [ResourceName] string name)
        where TProject : IProjectMetadata, new() =>
        builder.AddBuiltProject(name, new TProject().ProjectPath);

    /// <summary>As <see cref="AddBuiltProject{TProject}"/>, for a project known by its path (e.g. a second instance of one).</summary>
    /// <param name="builder">The AppHost builder.</param>
    /// <param name="name">The resource name.</param>
    /// <param name="projectPath">The project file, one the AppHost references.</param>
    /// <returns>The resource builder.</returns>
    public static IResourceBuilder<BuiltProjectResource> AddBuiltProject(this IDistributedApplicationBuilder builder, [ResourceName] string name, string projectPath)
    {
        ArgumentNullException.ThrowIfNull(builder);
        projectPath = Path.GetFullPath(projectPath);
        var published = builder.Configuration.GetValue<bool>(RunBuildOutputKey) ? null : PublishedAppOf(projectPath);
        var resource = new BuiltProjectResource(name, projectPath, published ?? BuiltAssemblyOf(projectPath));
        var project = builder.AddResource(resource)
            .WithArgs(resource.RunsOnDotnetHost ? new object[] { resource.AssemblyPath } : [])
            .WithOtlpExporter()
            // As Aspire does for projects: OTLP retries in memory, and (run mode, Development) URLs with their query.
            .WithEnvironment("OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY", "in_memory");
        if (builder.ExecutionContext.IsRunMode)
        {
            project.WithEnvironment("DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION", "true")
                .WithEnvironment("LOGGING__CONSOLE__FORMATTERNAME", "simple");
            if (builder.Environment.IsDevelopment())
            {
                project.WithEnvironment("OTEL_DOTNET_EXPERIMENTAL_ASPNETCORE_DISABLE_URL_QUERY_REDACTION", "true")
                    .WithEnvironment("OTEL_DOTNET_EXPERIMENTAL_HTTPCLIENT_DISABLE_URL_QUERY_REDACTION", "true");
            }
        }

        if (LaunchProfile.Read(resource.WorkingDirectory) is { } profile)
        {
            project.WithEnvironment("DOTNET_LAUNCH_PROFILE", profile.Name);
            foreach (var (variable, value) in profile.Environment)
            {
                project.WithEnvironment(variable, value);
            }

            foreach (var url in profile.ApplicationUrls)
            {
                if (!resource.Annotations.OfType<EndpointAnnotation>().Any(e => e.Name == url.Scheme))
                {
                    project.WithKestrelHttpEndpoint(url.Scheme, url.Port, url.Scheme);
                }
            }
        }

        return project.WithEnvironment(context =>
        {
            if (resource.KestrelEndpoints.Count == 0)
            {
                return;
            }

            var urls = new ReferenceExpressionBuilder();
            for (var i = 0; i < resource.KestrelEndpoints.Count; i++)
            {
                var endpoint = resource.GetEndpoint(resource.KestrelEndpoints[i]);
                if (i > 0)
                {
                    urls.AppendLiteral(";");
                }

                urls.Append($"{endpoint.Property(EndpointProperty.Scheme)}://{endpoint.EndpointAnnotation.TargetHost}:{endpoint.Property(EndpointProperty.TargetPort)}");
            }

            context.EnvironmentVariables["ASPNETCORE_URLS"] = urls.Build();
        });
    }

    /// <summary>Adds an HTTP endpoint that the app's Kestrel serves (it is listed in <c>ASPNETCORE_URLS</c>).</summary>
    /// <param name="project">The project.</param>
    /// <param name="name">The endpoint name.</param>
    /// <param name="port">The port callers use; null for one chosen at start.</param>
    /// <param name="scheme"><c>http</c> or <c>https</c>.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<BuiltProjectResource> WithKestrelHttpEndpoint(this IResourceBuilder<BuiltProjectResource> project, string name, int? port = null, string scheme = "http")
    {
        project.WithEndpoint(port: port, scheme: scheme, name: name);
        project.Resource.KestrelEndpoints.Add(name);
        return project;
    }

    /// <summary>
    /// Serves every endpoint declared so far directly from the app, without the orchestrator's proxy in front
    /// (<c>IsProxied = false</c>, the app listens on the port callers use). While the app is not running nothing
    /// listens there, so a caller is refused at once instead of being accepted by the proxy and held until its own
    /// timeout; after a restart the app listens on the same port again. The port is the declared one, or a free
    /// loopback port chosen now when none is declared or when the run randomises ports
    /// (<c>DcpPublisher:RandomizePorts</c>, which <c>Aspire.Hosting.Testing</c> sets), so parallel test runs do not
    /// collide. Endpoints declared later (or pinned later, as the tunnel's origin port) keep their own settings.
    /// </summary>
    /// <typeparam name="T">The resource type.</typeparam>
    /// <param name="resource">The resource.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<T> WithoutProxy<T>(this IResourceBuilder<T> resource)
        where T : IResourceWithEndpoints
    {
        var randomize = resource.ApplicationBuilder.Configuration.GetValue("DcpPublisher:RandomizePorts", false);
        var endpoints = resource.Resource.Annotations.OfType<EndpointAnnotation>().ToList();
        var free = FreeLoopbackPorts(endpoints.Count(e => randomize || e.Port is null));
        var next = 0;
        foreach (var endpoint in endpoints)
        {
            var port = randomize || endpoint.Port is null ? free[next++] : endpoint.Port.Value;
            endpoint.IsProxied = false;
            endpoint.Port = port;
            endpoint.TargetPort = port;
        }

        return resource;
    }

    /// <summary>Sets the port of an endpoint, proxied or not (a direct endpoint listens on it itself).</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="port">The port callers use.</param>
    public static void PinPort(this EndpointAnnotation endpoint, int port)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        endpoint.Port = port;
        if (!endpoint.IsProxied)
        {
            endpoint.TargetPort = port;
        }
    }

    private static int[] FreeLoopbackPorts(int count)
    {
        // Held together until all are chosen, so no two are the same.
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Dispose());
        }
    }

    /// <summary>The built assembly of a project the AppHost references, as its build recorded it.</summary>
    /// <typeparam name="TProject">The project's generated metadata type (<c>Projects.*</c>).</typeparam>
    /// <returns>The assembly's full path.</returns>
    public static string BuiltAssembly<TProject>()
        where TProject : IProjectMetadata, new() => BuiltAssemblyOf(Path.GetFullPath(new TProject().ProjectPath));

    /// <summary>What the Release build published for the project to run (see <c>RecordBuiltProjectAssemblies</c>), if anything.</summary>
    private static string? PublishedAppOf(string projectPath)
    {
        var app = Recorded(PublishedMetadataPrefix, projectPath);
        return app is null || File.Exists(app)
            ? app
            : throw new InvalidOperationException($"{app} does not exist: build Care2Connect.AppHost (it publishes {Path.GetFileName(projectPath)}) before running it, or set {RunBuildOutputKey}=true.");
    }

    private static string BuiltAssemblyOf(string projectPath)
    {
        var assembly = Recorded(AssemblyMetadataPrefix, projectPath)
            ?? throw new InvalidOperationException($"Care2Connect.AppHost's build recorded no built assembly for {projectPath}: reference it from Care2Connect.AppHost.csproj (a project resource) and build the AppHost.");
        return File.Exists(assembly)
            ? assembly
            : throw new InvalidOperationException($"{assembly} does not exist: build Care2Connect.AppHost (it builds {Path.GetFileName(projectPath)}) before running it.");
    }

    // What the AppHost's build recorded for the project as assembly metadata (RecordBuiltProjectAssemblies).
    private static string? Recorded(string prefix, string projectPath) =>
        typeof(BuiltProjectExtensions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => string.Equals(a.Key, prefix + projectPath, StringComparison.Ordinal))?.Value;

    private sealed record LaunchProfile(string Name, IReadOnlyList<KeyValuePair<string, string>> Environment, IReadOnlyList<Uri> ApplicationUrls)
    {
        // Properties/launchSettings.json: the first profile whose commandName is "Project", as Aspire picks it when
        // neither the AppHost nor the resource names one.
        public static LaunchProfile? Read(string projectDirectory)
        {
            var path = Path.Combine(projectDirectory, "Properties", "launchSettings.json");
            if (!File.Exists(path))
            {
                return null;
            }

            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (!document.RootElement.TryGetProperty("profiles", out var profiles))
            {
                return null;
            }

            foreach (var profile in profiles.EnumerateObject())
            {
                if (!IsProjectProfile(profile.Value))
                {
                    continue;
                }

                var environment = profile.Value.TryGetProperty("environmentVariables", out var variables)
                    ? variables.EnumerateObject().Select(v => KeyValuePair.Create(v.Name, v.Value.GetString() ?? string.Empty)).ToList()
                    : [];
                var urls = profile.Value.TryGetProperty("applicationUrl", out var applicationUrl) && applicationUrl.GetString() is { } text
                    ? text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => new Uri(u)).ToList()
                    : [];
                return new LaunchProfile(profile.Name, environment, urls);
            }

            return null;
        }

        private static bool IsProjectProfile(JsonElement profile) =>
            profile.TryGetProperty("commandName", out var command) && string.Equals(command.GetString(), "Project", StringComparison.Ordinal);
    }
}
