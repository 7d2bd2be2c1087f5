using Care2Connect.AppHost.BuiltProjects;
using Care2Connect.AppHost.Operations;
using Care2Connect.AppHost.Publishing;
using Care2Connect.AppHost.Supervision;
using Microsoft.Extensions.Configuration;

namespace Care2Connect.AppHost.Scaling;

/// <summary>The API, as one or several instances of the same project on the same database.</summary>
public static class ApiInstanceExtensions
{
    /// <summary>The configuration key of the number of instances (default 1).</summary>
    public const string InstancesKey = "Api:Instances";

    /// <summary>The first instance's name; the others are <c>api-2</c>, <c>api-3</c>, ...</summary>
    public const string FirstInstanceName = "api";

    /// <summary>The most instances one machine is given: each is a process of about 175 MiB (docs/BENCHMARKS.md).</summary>
    public const int MaxInstances = 8;

    /// <summary>
    /// Adds <c>Api:Instances</c> instances of the API (default 1), each declared the same way: its two listeners
    /// without the orchestrator's proxy, the database, the keys, readiness on <c>internal</c> <c>/health</c>, the
    /// dashboard commands, forwarded settings, and supervision (<c>Supervisor:Resources:&lt;name&gt;</c>). Aspire's
    /// <c>WithReplicas</c> does not apply: the API runs from its build output without the proxy that spread requests
    /// over replicas (docs/ASPIRE-FACTS.md). The first instance, <c>api</c>, keeps the fixed ports (5180, 5181) and is
    /// the one the tunnel and the Monitor use; the others get free loopback ports, shown in the dashboard. Everything
    /// they must agree on is in PostgreSQL: idempotency keys, the recovery cooldown and its history.
    /// </summary>
    /// <param name="builder">The AppHost builder.</param>
    /// <param name="database">The database every instance uses.</param>
    /// <param name="keys">The API keys every instance accepts.</param>
    /// <returns>The instances, the first being <c>api</c>.</returns>
    public static IReadOnlyList<IResourceBuilder<BuiltProjectResource>> AddApiInstances(
        this IDistributedApplicationBuilder builder,
        IResourceBuilder<IResourceWithConnectionString> database,
        ApiKeyParameters keys)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var count = builder.Configuration.GetValue(InstancesKey, 1);
        if (count is < 1 or > MaxInstances)
        {
            throw new ArgumentOutOfRangeException(InstancesKey, count, $"{InstancesKey} must be between 1 and {MaxInstances}.");
        }

        return [.. Enumerable.Range(1, count).Select(i => builder.AddApiInstance(i == 1 ? FirstInstanceName : $"{FirstInstanceName}-{i}", database, keys))];
    }

    private static IResourceBuilder<BuiltProjectResource> AddApiInstance(
        this IDistributedApplicationBuilder builder,
        string name,
        IResourceBuilder<IResourceWithConnectionString> database,
        ApiKeyParameters keys)
    {
        var first = name == FirstInstanceName;
        var api = builder.AddBuiltProject<Projects.Care2Connect_Api>(name);
        if (!first)
        {
            // The launch profile's port (5180) belongs to the first instance: the others take a free one.
            api.WithEndpoint(ApiListenerExtensions.PublicEndpointName, endpoint => endpoint.Port = null);
        }

        return api
            .WithInternalListener(first ? ApiListenerExtensions.DefaultInternalPort : null)
            .WithoutProxy()
            .WithReference(database)
            .WithApiKeys(keys)
            .WithReadinessCheck("/health", ApiListenerExtensions.InternalEndpointName)
            .WithApiCommands(keys.Admin, ApiListenerExtensions.InternalEndpointName)
            .WithUrlForEndpoint(ApiListenerExtensions.InternalEndpointName, _ => new() { Url = "/openapi/v1.json", DisplayText = "OpenAPI" })
            .WithForwardedSettings(ForwardedSettingsExtensions.ApiDependencies)
            .WithRestartPolicy(builder.RestartPolicyFor(name, new LivenessProbe { Path = "/alive" }))
            .WithMeasuredFootprint(MeasuredFootprints.Api);
    }
}
