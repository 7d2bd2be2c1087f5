namespace Care2Connect.AppHost.Publishing;

/// <summary>
/// The resource's readiness check: an HTTP GET that the AppHost runs as a health check, and that publishing turns
/// into the readiness probe of the resource's pods.
/// </summary>
/// <param name="Path">The path, e.g. <c>/health</c>.</param>
/// <param name="EndpointName">The endpoint it is asked on.</param>
public sealed record ReadinessProbeAnnotation(string Path, string EndpointName) : IResourceAnnotation;

/// <summary>What one process of the resource was measured to use (docs/BENCHMARKS.md).</summary>
/// <param name="RssMiB">Resident memory, the largest sample, MiB.</param>
/// <param name="CpuPercentOfOneCore">CPU over the sampling window, % of one core.</param>
/// <param name="Source">Where the figures come from, written beside the requests they give.</param>
public sealed record MeasuredFootprint(int RssMiB, double CpuPercentOfOneCore, string Source);

/// <summary>The resource's <see cref="MeasuredFootprint"/>, from which publishing derives requests and limits.</summary>
/// <param name="Footprint">The figures.</param>
public sealed record MeasuredFootprintAnnotation(MeasuredFootprint Footprint) : IResourceAnnotation;

/// <summary>The figures measured on this project's machines, one place for the AppHost and the docs.</summary>
public static class MeasuredFootprints
{
    /// <summary>
    /// The API, full system at default check intervals, shipped settings: RSS 174 MiB mean, 175 MiB max; 4.73 % of one
    /// core (docs/BENCHMARKS.md, "Monitor footprint", the API-for-scale row of the shipped settings).
    /// </summary>
    public static readonly MeasuredFootprint Api = new(175, 4.73, "docs/BENCHMARKS.md, Monitor footprint table, shipped settings, API for scale: RSS max 175 MiB, CPU 4.73 % of one core");

    /// <summary>
    /// The Monitor, same run: RSS 114 MiB mean and max; 2.03 % of one core (docs/BENCHMARKS.md, "Monitor footprint",
    /// shipped settings).
    /// </summary>
    public static readonly MeasuredFootprint Monitor = new(114, 2.03, "docs/BENCHMARKS.md, Monitor footprint table, shipped settings: RSS max 114 MiB, CPU 2.03 % of one core");
}

/// <summary>Declarations that only publishing reads.</summary>
public static class PublishingResourceExtensions
{
    /// <summary>
    /// Checks readiness with an HTTP GET of <paramref name="path"/> on <paramref name="endpointName"/> (a health check
    /// in the AppHost, shown in the dashboard) and records it, so a published deployment asks the same question
    /// in its readiness probe.
    /// </summary>
    /// <typeparam name="T">The resource type.</typeparam>
    /// <param name="builder">The resource.</param>
    /// <param name="path">The path, e.g. <c>/health</c>.</param>
    /// <param name="endpointName">The endpoint.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<T> WithReadinessCheck<T>(this IResourceBuilder<T> builder, string path, string endpointName = "http")
        where T : IResourceWithEndpoints =>
        builder.WithHttpHealthCheck(path, endpointName: endpointName)
            .WithAnnotation(new ReadinessProbeAnnotation(path, endpointName), ResourceAnnotationMutationBehavior.Replace);

    /// <summary>
    /// Records what one process of the resource was measured to use; publishing derives its memory and CPU requests
    /// and its memory limit from it (see <see cref="DeploymentModelBuilder"/>).
    /// </summary>
    /// <typeparam name="T">The resource type.</typeparam>
    /// <param name="builder">The resource.</param>
    /// <param name="footprint">The measured figures.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<T> WithMeasuredFootprint<T>(this IResourceBuilder<T> builder, MeasuredFootprint footprint)
        where T : IResource =>
        builder.WithAnnotation(new MeasuredFootprintAnnotation(footprint), ResourceAnnotationMutationBehavior.Replace);
}
