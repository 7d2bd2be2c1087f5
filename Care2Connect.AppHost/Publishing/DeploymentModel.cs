namespace Care2Connect.AppHost.Publishing;

/// <summary>Everything the publisher writes, engine-neutral, built from the AppHost's app model.</summary>
/// <param name="Workloads">One per process-running resource, in the app model's order.</param>
/// <param name="SecretName">The one Secret (Kubernetes) every secret value comes from.</param>
/// <param name="SecretKeys">Its keys: the names of the AppHost's secret parameters that some workload uses, sorted.</param>
/// <param name="PostgresMode">How the database is provided: <c>StatefulSet</c> (a server with a volume) or <c>External</c>.</param>
/// <param name="TunnelMode">The tunnel: <c>Cloudflare</c> or <c>Off</c>.</param>
public sealed record DeploymentModel(
    IReadOnlyList<Workload> Workloads,
    string SecretName,
    IReadOnlyList<string> SecretKeys,
    string PostgresMode,
    string TunnelMode)
{
    /// <summary>The workload named <paramref name="name"/>.</summary>
    /// <param name="name">The resource name.</param>
    public Workload this[string name] => Workloads.Single(w => w.Name == name);
}

/// <summary>How a workload is run.</summary>
public enum WorkloadKind
{
    /// <summary>Stateless: any pod is as good as another.</summary>
    Deployment,

    /// <summary>One pod with a volume of its own that outlives it.</summary>
    StatefulSet,
}

/// <summary>One resource of the app model, as a set of identical containers.</summary>
/// <param name="Name">The resource's name (also its Service's and Compose service's name).</param>
/// <param name="Kind">Deployment or StatefulSet.</param>
/// <param name="Image">The container image with its tag.</param>
/// <param name="Args">Arguments to the image's entry point.</param>
/// <param name="Environment">Variables, in order (a variable may refer to an earlier one).</param>
/// <param name="Ports">Container ports by endpoint name, in the resource's order.</param>
/// <param name="Liveness">Restart the container when this fails; null when the AppHost only restarts it on a crash.</param>
/// <param name="Readiness">Send it traffic only while this succeeds.</param>
/// <param name="Startup">Liveness starts counting once this has succeeded (the supervisor's startup timeout).</param>
/// <param name="Resources">Requests and limits, when measured.</param>
/// <param name="Volume">Storage that outlives the container.</param>
/// <param name="StartsAfter">Workloads that must have started first (the AppHost's <c>WaitForStart</c>).</param>
/// <param name="RestartBudget">What the AppHost's restart budget was, and what stands in for it.</param>
/// <param name="Notes">Facts for whoever deploys it, written as comments/annotations.</param>
/// <param name="FsGroup">The group that must own its volume (.NET images run as a non-root user); null for none.</param>
public sealed record Workload(
    string Name,
    WorkloadKind Kind,
    string Image,
    IReadOnlyList<string> Args,
    IReadOnlyList<EnvironmentVariable> Environment,
    IReadOnlyList<ContainerPort> Ports,
    Probe? Liveness,
    Probe? Readiness,
    Probe? Startup,
    ResourceFigures? Resources,
    VolumeClaim? Volume,
    IReadOnlyList<string> StartsAfter,
    string? RestartBudget,
    IReadOnlyList<string> Notes,
    int? FsGroup)
{
    /// <summary>The variable named <paramref name="name"/>, or null.</summary>
    /// <param name="name">The variable's name.</param>
    public EnvironmentVariable? Variable(string name) => Environment.FirstOrDefault(v => v.Name == name);
}

/// <summary>A port the container listens on, named after the endpoint.</summary>
/// <param name="Name">The endpoint's name.</param>
/// <param name="Number">The port inside the container (and on its Service).</param>
/// <param name="Loopback">Compose: the host port to publish it on, on 127.0.0.1 only; null when not published.</param>
public sealed record ContainerPort(string Name, int Number, int? Loopback);

/// <summary>A probe: an HTTP GET on a named port, or a command.</summary>
/// <param name="Path">The path of the HTTP GET; null for a command.</param>
/// <param name="Port">The named port of the HTTP GET.</param>
/// <param name="Command">The command (argv), when not HTTP.</param>
/// <param name="PeriodSeconds">Time between probes.</param>
/// <param name="TimeoutSeconds">How long one probe may take.</param>
/// <param name="FailureThreshold">Failures in a row that count.</param>
/// <param name="InitialDelaySeconds">Time after the start before the first probe.</param>
public sealed record Probe(string? Path, string? Port, IReadOnlyList<string>? Command, int PeriodSeconds, int TimeoutSeconds, int FailureThreshold, int InitialDelaySeconds);

/// <summary>Requests and limits of one container.</summary>
/// <param name="MemoryRequestMiB">Memory request.</param>
/// <param name="MemoryLimitMiB">Memory limit.</param>
/// <param name="CpuRequestMillicores">CPU request (no CPU limit: a limit turns a burst into latency).</param>
/// <param name="Source">Where the figures come from.</param>
public sealed record ResourceFigures(int MemoryRequestMiB, int MemoryLimitMiB, int CpuRequestMillicores, string Source);

/// <summary>A volume of its own, mounted at <paramref name="MountPath"/>.</summary>
/// <param name="Name">The claim's (Compose: the volume's) name.</param>
/// <param name="MountPath">Where it is mounted.</param>
/// <param name="SizeGiB">The requested size.</param>
public sealed record VolumeClaim(string Name, string MountPath, int SizeGiB);

/// <summary>An environment variable: text with secret values spliced in.</summary>
/// <param name="Name">The name.</param>
/// <param name="Parts">Text and secret references, in order.</param>
public sealed record EnvironmentVariable(string Name, IReadOnlyList<ValuePart> Parts)
{
    /// <summary>A variable whose value is exactly one secret.</summary>
    public string? SecretKey => Parts is [SecretPart secret] ? secret.Key : null;

    /// <summary>True when no part is secret.</summary>
    public bool IsPlain => Parts.All(p => p is TextPart);

    /// <summary>The value, when it has no secret part.</summary>
    public string? Text => IsPlain ? string.Concat(Parts.Cast<TextPart>().Select(p => p.Text)) : null;
}

/// <summary>A piece of a value.</summary>
public abstract record ValuePart;

/// <summary>Literal text.</summary>
/// <param name="Text">The text.</param>
public sealed record TextPart(string Text) : ValuePart;

/// <summary>The value of a key of the deployment's Secret (an AppHost secret parameter's name).</summary>
/// <param name="Key">The key.</param>
public sealed record SecretPart(string Key) : ValuePart;
