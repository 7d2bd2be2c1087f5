using System.Globalization;
using System.Text;
using Aspire.Hosting.Postgres;
using Care2Connect.AppHost.BuiltProjects;
using Care2Connect.AppHost.Supervision;
using Care2Connect.AppHost.Tunnel;

namespace Care2Connect.AppHost.Publishing;

/// <summary>
/// Reads the AppHost's app model (built in publish mode) into a <see cref="DeploymentModel"/>: each resource that
/// runs a process becomes a workload, with its endpoints, environment and references, its restart policy as probes,
/// and its measured footprint as requests. What only makes sense on one machine is translated here, by rules that
/// say why; everything else is read, never written out by hand.
/// </summary>
public static class DeploymentModelBuilder
{
    /// <summary>The Secret every secret value is read from; its keys are the AppHost's secret parameters' names.</summary>
    public const string SecretName = "care2connect";

    /// <summary>The first port of a .NET project's container (the images' <c>ASPNETCORE_HTTP_PORTS</c> default); each further endpoint takes the next.</summary>
    public const int FirstProjectPort = 8080;

    /// <summary>
    /// Where a project with state keeps it in its container: its volume, mounted on the home of the user .NET's images
    /// run as. That folder exists in the image and belongs to that user, so Docker gives a new named volume the same
    /// owner (Kubernetes: <c>fsGroup</c>); any other folder would be root's and unwritable.
    /// </summary>
    public const string ProjectDataRoot = "/home/app";

    /// <summary>The startup probe's period: it allows the supervisor's startup timeout, in steps this long.</summary>
    public const int StartupProbePeriodSeconds = 5;

    /// <summary>The user .NET's container images run as (<c>app</c>, 1654): volumes are made writable for it.</summary>
    public const int DotnetImageUser = 1654;

    // What a path variable of the Monitor becomes in a container: everything under its one volume (the images run as
    // a non-root user, who could not create /var/log/care2connect).
    private static readonly Dictionary<string, string> ContainerPaths = new(StringComparer.Ordinal)
    {
        ["Monitor__LogDirectory"] = ProjectDataRoot + "/logs",
        ["Monitor__History__DatabasePath"] = ProjectDataRoot + "/monitor.db",
        ["Monitor__DiskPath"] = ProjectDataRoot,
    };

    /// <summary>Builds the deployment from the app model's resources.</summary>
    /// <param name="resources">The app model's resources, in order.</param>
    /// <param name="executionContext">The AppHost's execution context; must be publish mode.</param>
    /// <param name="options">The publish settings.</param>
    /// <param name="cancellationToken">Cancels the evaluation.</param>
    /// <returns>The deployment.</returns>
    public static async Task<DeploymentModel> BuildAsync(
        IEnumerable<IResource> resources,
        DistributedApplicationExecutionContext executionContext,
        PublishOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(executionContext);
        ArgumentNullException.ThrowIfNull(options);
        if (!executionContext.IsPublishMode)
        {
            throw new InvalidOperationException("The app model must be built in publish mode (--publish, or AppHost:Operation=publish): in run mode it describes this machine.");
        }

        var all = resources.ToList();
        var workloadResources = all.Where(IsWorkload).ToList();
        var ports = workloadResources.ToDictionary(r => r.Name, ContainerPortsOf, StringComparer.Ordinal);
        var origins = all.SelectMany(r => r.Annotations.OfType<TunnelOriginAnnotation>()).ToList();
        var secrets = new SortedSet<string>(StringComparer.Ordinal);
        var translator = new ValueTranslator(ports, secrets);

        var workloads = new List<Workload>();
        foreach (var resource in workloadResources)
        {
            workloads.Add(await WorkloadOf(resource, ports[resource.Name], origins, translator, executionContext, options, cancellationToken));
        }

        var postgresMode = all.OfType<PostgresServerResource>().Any() ? "StatefulSet" : "External";
        var tunnelMode = workloads.Any(w => w.Name == "tunnel") ? nameof(TunnelMode.Cloudflare) : nameof(TunnelMode.Off);
        return new DeploymentModel(workloads, SecretName, [.. secrets], postgresMode, tunnelMode);
    }

    private static bool IsWorkload(IResource resource) => resource switch
    {
        BuiltProjectResource project when IsSimulator(project) => throw new NotSupportedException(
            "Tunnel:Mode is Simulated: the simulated tunnel is local only and cannot be published. Publish with Tunnel:Mode=Cloudflare (the default when publishing) or Off."),
        BuiltProjectResource => true,
        ContainerResource => true,
        ExecutableResource executable => throw new NotSupportedException(
            $"Resource '{executable.Name}' runs '{executable.Command}' on this machine and has no container image: it cannot be published."),
        _ => false,
    };

    private static bool IsSimulator(BuiltProjectResource project) =>
        Path.GetFileNameWithoutExtension(project.ProjectPath).EndsWith("TunnelSimulator", StringComparison.Ordinal);

    // A project's endpoints listen on 8080, 8081, ... in its container; a container image's on its declared target port.
    private static List<ContainerPort> ContainerPortsOf(IResource resource)
    {
        var endpoints = resource.Annotations.OfType<EndpointAnnotation>().ToList();
        return resource is BuiltProjectResource
            ? [.. endpoints.Select((e, i) => new ContainerPort(e.Name, FirstProjectPort + i, e.Port))]
            : [.. endpoints.Select(e => new ContainerPort(e.Name, e.TargetPort ?? throw new NotSupportedException($"Endpoint '{resource.Name}.{e.Name}' has no target port."), null))];
    }

    private static async Task<Workload> WorkloadOf(
        IResource resource,
        List<ContainerPort> ports,
        List<TunnelOriginAnnotation> origins,
        ValueTranslator translator,
        DistributedApplicationExecutionContext executionContext,
        PublishOptions options,
        CancellationToken cancellationToken)
    {
        var raw = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(new EnvironmentCallbackContext(executionContext, resource, raw, cancellationToken));
        }

        var notes = new List<string>();
        var environment = new List<EnvironmentVariable>();
        VolumeClaim? volume = null;
        string image;
        var args = new List<string>();
        var isProject = resource is BuiltProjectResource;

        if (resource is BuiltProjectResource project)
        {
            var shortName = Path.GetFileNameWithoutExtension(project.ProjectPath).Replace("Care2Connect.", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
            image = $"{options.ImagePrefix}{shortName}:{options.ImageTag}";
            environment.Add(Plain("ASPNETCORE_ENVIRONMENT", "Production"));
            environment.Add(Plain("OTEL_SERVICE_NAME", resource.Name));
            environment.Add(Plain("ASPNETCORE_URLS", string.Join(';', project.KestrelEndpoints.Select(e => $"http://+:{ports.Single(p => p.Name == e).Number.ToString(CultureInfo.InvariantCulture)}"))));
        }
        else
        {
            var container = (ContainerResource)resource;
            var imageAnnotation = container.Annotations.OfType<ContainerImageAnnotation>().Last();
            image = string.IsNullOrEmpty(imageAnnotation.Registry)
                ? $"{imageAnnotation.Image}:{imageAnnotation.Tag}"
                : $"{imageAnnotation.Registry}/{imageAnnotation.Image}:{imageAnnotation.Tag}";
            var argList = new List<object>();
            foreach (var callback in container.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
            {
                await callback.Callback(new CommandLineArgsCallbackContext(argList, resource, cancellationToken) { ExecutionContext = executionContext });
            }

            foreach (var arg in argList)
            {
                var parts = await translator.PartsOf(resource.Name, "args", arg, cancellationToken);
                args.Add(parts is [TextPart text] ? text.Text : throw new NotSupportedException($"An argument of '{resource.Name}' is not plain text."));
            }

            if (container.Annotations.OfType<ContainerMountAnnotation>().LastOrDefault(m => m.Type == ContainerMountType.Volume) is { } mount)
            {
                volume = new VolumeClaim("data", mount.Target, options.PostgresVolumeGiB);
            }

            if (resource is PostgresServerResource && volume is not null)
            {
                // A fresh volume's root may hold lost+found, which initdb refuses: the cluster goes one level down.
                environment.Add(Plain("PGDATA", volume.MountPath + "/pgdata"));
            }
        }

        foreach (var (name, value) in raw)
        {
            if (isProject && IsLocalOnly(name))
            {
                continue;
            }

            if (name.StartsWith("Api__TrustedProxies__", StringComparison.Ordinal))
            {
                continue;
            }

            if (ContainerPaths.TryGetValue(name, out var path))
            {
                environment.Add(Plain(name, path));
                volume ??= new VolumeClaim("data", ProjectDataRoot, options.MonitorVolumeGiB);
                continue;
            }

            environment.Add(new EnvironmentVariable(name, await translator.PartsOf(resource.Name, name, value, cancellationToken)));
        }

        if (raw.Keys.Any(k => k.StartsWith("Api__TrustedProxies__", StringComparison.Ordinal)))
        {
            var proxies = options.TrustedProxies.Count > 0 ? [.. options.TrustedProxies] : PublishOptions.DefaultTrustedProxies;
            environment.AddRange(proxies.Select((p, i) => Plain($"Api__TrustedProxies__{i.ToString(CultureInfo.InvariantCulture)}", p)));
            notes.Add("Api:TrustedProxies: the private ranges container networks use (on one machine: loopback); narrow them with Publish:TrustedProxies.");
        }

        foreach (var origin in origins.Where(o => o.Api.Name == resource.Name))
        {
            notes.Add($"The tunnel's origin: http://{resource.Name}:{ports.Single(p => p.Name == origin.EndpointName).Number.ToString(CultureInfo.InvariantCulture)} (set it as the public hostname's service at Cloudflare).");
        }

        if (resource.Annotations.OfType<TunnelOriginAnnotation>().SingleOrDefault() is { } ownOrigin)
        {
            var apiPorts = ContainerPortsOf(ownOrigin.Api);
            notes.Add($"Forwards the public hostname to http://{ownOrigin.Api.Name}:{apiPorts.Single(p => p.Name == ownOrigin.EndpointName).Number.ToString(CultureInfo.InvariantCulture)}: set that as the service of the tunnel's public hostname at Cloudflare.");
        }

        var policy = resource.Annotations.OfType<RestartPolicyAnnotation>().LastOrDefault()?.Policy;
        var (liveness, readiness, startup) = ProbesOf(resource, policy, ports);
        var footprint = resource.Annotations.OfType<MeasuredFootprintAnnotation>().LastOrDefault()?.Footprint;
        var startsAfter = resource.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).Distinct().Order(StringComparer.Ordinal).ToList();

        // Projects that are not the tunnel's origin are the operator's: published on the host's loopback only (Compose).
        var originEndpoints = origins.Where(o => o.Api.Name == resource.Name).Select(o => o.EndpointName).ToHashSet(StringComparer.Ordinal);
        var published = ports.Select(p => p with { Loopback = isProject && !originEndpoints.Contains(p.Name) ? p.Loopback : null }).ToList();

        return new Workload(
            resource.Name,
            volume is null ? WorkloadKind.Deployment : WorkloadKind.StatefulSet,
            image,
            args,
            environment,
            published,
            liveness,
            readiness,
            startup,
            footprint is null ? null : FiguresOf(footprint),
            volume,
            startsAfter,
            policy is null ? null : BudgetOf(policy),
            notes,
            isProject && volume is not null ? DotnetImageUser : null);
    }

    // Variables that describe this machine's run: the dashboard's telemetry collector, the launch profile, Development.
    private static bool IsLocalOnly(string name) =>
        name.StartsWith("OTEL_", StringComparison.Ordinal)
        || name is "ASPNETCORE_URLS" or "ASPNETCORE_ENVIRONMENT" or "DOTNET_ENVIRONMENT" or "DOTNET_LAUNCH_PROFILE"
            or "DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION" or "LOGGING__CONSOLE__FORMATTERNAME";

    private static (Probe? Liveness, Probe? Readiness, Probe? Startup) ProbesOf(IResource resource, RestartPolicy? policy, List<ContainerPort> ports)
    {
        var live = policy?.Liveness;
        var numbers = live ?? new LivenessProbe();
        Probe? liveness = null;
        Probe? startup = null;
        if (live is not null)
        {
            liveness = new Probe(live.Path, live.EndpointName, null, Seconds(live.Period), Seconds(live.Timeout), live.FailureThreshold, Seconds(live.InitialDelay));
            startup = new Probe(
                live.Path,
                live.EndpointName,
                null,
                StartupProbePeriodSeconds,
                Seconds(live.Timeout),
                (int)Math.Ceiling(live.StartupTimeout.TotalSeconds / StartupProbePeriodSeconds),
                0);
        }

        // Readiness asks what the AppHost's health check asks, at the liveness probe's pace; a resource without
        // one is ready when it is alive; the database when it accepts connections.
        Probe? readiness = resource.Annotations.OfType<ReadinessProbeAnnotation>().LastOrDefault() is { } ready
            ? new Probe(ready.Path, ready.EndpointName, null, Seconds(numbers.Period), Seconds(numbers.Timeout), numbers.FailureThreshold, 0)
            : resource is PostgresServerResource
                ? new Probe(null, null, ["pg_isready", "-h", "127.0.0.1", "-p", ports[0].Number.ToString(CultureInfo.InvariantCulture)], Seconds(numbers.Period), Seconds(numbers.Timeout), numbers.FailureThreshold, 0)
                : live is not null
                    ? liveness! with { InitialDelaySeconds = 0 }
                    : null;
        return (liveness, readiness, startup);
    }

    private static int Seconds(TimeSpan span) => Math.Max(1, (int)Math.Ceiling(span.TotalSeconds));

    // Memory: the measured peak rounded up to 16 MiB is the request; the limit doubles it (the figures are from a
    // quiet system: load, GC and a burst of connections need the room, and a limit hit is an OOM kill). CPU: the
    // measured share is the request, rounded up to 10 millicores; no CPU limit, which would turn a burst into latency.
    private static ResourceFigures FiguresOf(MeasuredFootprint footprint)
    {
        var memory = (int)Math.Ceiling(footprint.RssMiB / 16.0) * 16;
        var cpu = (int)Math.Ceiling(footprint.CpuPercentOfOneCore) * 10; // 1 % of one core = 10 millicores
        return new ResourceFigures(memory, memory * 2, cpu, footprint.Source);
    }

    private static string BudgetOf(RestartPolicy policy) =>
        $"AppHost supervisor: at most {policy.MaxRestarts.ToString(CultureInfo.InvariantCulture)} restarts in any {Human(policy.Window)}, "
        + $"the first at once, then backoff {Human(policy.InitialBackoff)} doubling to {Human(policy.MaxBackoff)}, then it gives up. "
        + "Here: restartPolicy Always; the kubelet (or Docker's restart: always) backs off 10 s doubling to 5 min and never gives up.";

    private static string Human(TimeSpan span) =>
        span.TotalHours >= 1 && span.TotalHours % 1 == 0 ? $"{span.TotalHours.ToString(CultureInfo.InvariantCulture)} h"
        : span.TotalMinutes >= 1 && span.TotalMinutes % 1 == 0 ? $"{span.TotalMinutes.ToString(CultureInfo.InvariantCulture)} min"
        : $"{span.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";

    private static EnvironmentVariable Plain(string name, string value) => new(name, [new TextPart(value)]);

    /// <summary>Turns the app model's values into text and secret references, with in-cluster addresses.</summary>
    private sealed class ValueTranslator(Dictionary<string, List<ContainerPort>> ports, SortedSet<string> secrets)
    {
        public async Task<List<ValuePart>> PartsOf(string resource, string variable, object value, CancellationToken cancellationToken)
        {
            switch (value)
            {
                case string text:
                    return [new TextPart(text)];
                case ParameterResource { Secret: true } secret:
                    secrets.Add(secret.Name);
                    return [new SecretPart(secret.Name)];
                case ParameterResource parameter:
                    return [new TextPart(await parameter.GetValueAsync(cancellationToken) ?? string.Empty)];
                case EndpointReference endpoint:
                    return [new TextPart(Url(endpoint))];
                case EndpointReferenceExpression expression:
                    return [new TextPart(PropertyOf(expression))];
                case ConnectionStringReference reference:
                    return await PartsOf(resource, variable, reference.Resource.ConnectionStringExpression, cancellationToken);
                case IResourceWithConnectionString withConnectionString:
                    return await PartsOf(resource, variable, withConnectionString.ConnectionStringExpression, cancellationToken);
                case ReferenceExpression { IsConditional: false } expression:
                    return await ExpandAsync(resource, variable, expression, cancellationToken);
                default:
                    throw new NotSupportedException($"'{resource}' variable '{variable}' holds a {value.GetType().Name}, which publishing does not translate.");
            }
        }

        private async Task<List<ValuePart>> ExpandAsync(string resource, string variable, ReferenceExpression expression, CancellationToken cancellationToken)
        {
            var parts = new List<ValuePart>();
            var text = new StringBuilder();
            var format = expression.Format;
            for (var i = 0; i < format.Length; i++)
            {
                var c = format[i];
                if (c == '{' && i + 1 < format.Length && format[i + 1] == '{')
                {
                    text.Append('{');
                    i++;
                }
                else if (c == '}' && i + 1 < format.Length && format[i + 1] == '}')
                {
                    text.Append('}');
                    i++;
                }
                else if (c == '{')
                {
                    var end = format.IndexOf('}', i);
                    var index = int.Parse(format.AsSpan(i + 1, end - i - 1), CultureInfo.InvariantCulture);
                    foreach (var part in await PartsOf(resource, variable, expression.ValueProviders[index], cancellationToken))
                    {
                        if (part is TextPart literal)
                        {
                            text.Append(literal.Text);
                        }
                        else
                        {
                            Flush();
                            parts.Add(part);
                        }
                    }

                    i = end;
                }
                else
                {
                    text.Append(c);
                }
            }

            Flush();
            return parts.Count == 0 ? [new TextPart(string.Empty)] : parts;

            void Flush()
            {
                if (text.Length > 0)
                {
                    parts.Add(new TextPart(text.ToString()));
                    text.Clear();
                }
            }
        }

        private int PortOf(EndpointReference endpoint) =>
            ports.TryGetValue(endpoint.Resource.Name, out var list) && list.FirstOrDefault(p => p.Name == endpoint.EndpointName) is { } port
                ? port.Number
                : throw new NotSupportedException($"Endpoint '{endpoint.Resource.Name}.{endpoint.EndpointName}' is not published.");

        private string Url(EndpointReference endpoint) =>
            $"{endpoint.EndpointAnnotation.UriScheme}://{endpoint.Resource.Name}:{PortOf(endpoint).ToString(CultureInfo.InvariantCulture)}";

        // In a cluster (and a Compose network) a workload is reached by its name, on its container port.
        private string PropertyOf(EndpointReferenceExpression expression) => expression.Property switch
        {
            EndpointProperty.Url => Url(expression.Endpoint),
            EndpointProperty.Host or EndpointProperty.IPV4Host => expression.Endpoint.Resource.Name,
            EndpointProperty.Port or EndpointProperty.TargetPort => PortOf(expression.Endpoint).ToString(CultureInfo.InvariantCulture),
            EndpointProperty.Scheme => expression.Endpoint.EndpointAnnotation.UriScheme,
            EndpointProperty.HostAndPort => $"{expression.Endpoint.Resource.Name}:{PortOf(expression.Endpoint).ToString(CultureInfo.InvariantCulture)}",
            _ => throw new NotSupportedException($"Endpoint property {expression.Property} of '{expression.Endpoint.Resource.Name}' is not translated."),
        };
    }
}
