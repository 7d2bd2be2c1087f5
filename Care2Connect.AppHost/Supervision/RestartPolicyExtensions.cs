using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Care2Connect.AppHost.Supervision;

/// <summary>Restart policies for AppHost resources.</summary>
public static class RestartPolicyExtensions
{
    /// <summary>
    /// Supervises the resource: when it exits unexpectedly (non-zero exit code, failed start) it is started again,
    /// and when its liveness probe (<see cref="RestartPolicy.Liveness"/>) fails the threshold number of times in a
    /// row it is restarted — at most <see cref="RestartPolicy.MaxRestarts"/> times in any rolling
    /// <see cref="RestartPolicy.Window"/>, with exponential backoff and jitter. The initial start is not counted.
    /// A stop asked for from the dashboard is never undone; a start from the dashboard resumes supervision at once,
    /// even when the budget is spent. Restarts show in the dashboard as resource properties and are appended to
    /// <c>supervisor.log</c> in <c>Supervisor:LogDirectory</c>.
    /// </summary>
    /// <typeparam name="T">The resource type.</typeparam>
    /// <param name="builder">The resource.</param>
    /// <param name="policy">The policy; the defaults are 5 restarts per hour, first after about a second, no liveness probe.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<T> WithRestartPolicy<T>(this IResourceBuilder<T> builder, RestartPolicy? policy = null)
        where T : IResource
    {
        builder.WithAnnotation(new RestartPolicyAnnotation(policy ?? new RestartPolicy()), ResourceAnnotationMutationBehavior.Replace);
        builder.ApplicationBuilder.Services.TryAddSingleton(TimeProvider.System);
        builder.ApplicationBuilder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ResourceSupervisor>());
        return builder;
    }

    /// <summary>
    /// The policy for one resource: the defaults, with an optional liveness probe, overridden by configuration
    /// section <c>Supervisor:Resources:{name}</c> (e.g. <c>Supervisor:Resources:api:MaxRestarts</c>,
    /// <c>Supervisor:Resources:api:Liveness:Period</c>).
    /// </summary>
    /// <param name="builder">The AppHost builder.</param>
    /// <param name="resourceName">The resource's name.</param>
    /// <param name="liveness">The liveness probe, if the resource has one.</param>
    /// <returns>The policy.</returns>
    public static RestartPolicy RestartPolicyFor(this IDistributedApplicationBuilder builder, string resourceName, LivenessProbe? liveness = null)
    {
        var policy = new RestartPolicy { Liveness = liveness };
        builder.Configuration.GetSection($"Supervisor:Resources:{resourceName}").Bind(policy);
        return policy;
    }
}
