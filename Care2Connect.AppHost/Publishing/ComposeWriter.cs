using System.Globalization;

namespace Care2Connect.AppHost.Publishing;

/// <summary>
/// Writes the deployment as one Docker Compose file. Secrets are variables the Compose command line must be given
/// (an <c>.env</c> file beside it, never committed): a missing one stops <c>docker compose up</c> with its name.
/// </summary>
public static class ComposeWriter
{
    /// <summary>The variable that carries a secret key's value into Compose (<c>admin-key</c> → <c>ADMIN_KEY</c>).</summary>
    /// <param name="key">The secret's key.</param>
    public static string Variable(string key) => key.ToUpperInvariant().Replace('-', '_');

    /// <summary>The Compose file's text.</summary>
    /// <param name="model">The deployment.</param>
    /// <param name="header">The comment that opens it.</param>
    public static string Write(DeploymentModel model, string header)
    {
        ArgumentNullException.ThrowIfNull(model);
        var services = Yaml.Map();
        var volumes = Yaml.Map();
        foreach (var workload in model.Workloads)
        {
            services[workload.Name] = Service(workload, volumes);
        }

        var root = Yaml.Map();
        root["name"] = KubernetesWriter.PartOf;
        root["services"] = services;
        if (volumes.Count > 0)
        {
            root["volumes"] = volumes;
        }

        return header + Yaml.Document(root);
    }

    private static Dictionary<string, object> Service(Workload workload, Dictionary<string, object> volumes)
    {
        var service = Yaml.Map();
        service["image"] = workload.Image;
        if (workload.Args.Count > 0)
        {
            service["command"] = workload.Args.ToList();
        }

        // Docker restarts a container that exits, with a growing delay, forever; it never restarts one that is
        // unhealthy (no liveness): see docs/DEPLOYMENT.md.
        service["restart"] = "always";
        var environment = Yaml.Map();
        foreach (var variable in workload.Environment)
        {
            environment[variable.Name] = string.Concat(variable.Parts.Select(part => part switch
            {
                TextPart text => text.Text.Replace("$", "$$", StringComparison.Ordinal),
                SecretPart secret => $"${{{Variable(secret.Key)}:?set {Variable(secret.Key)} in .env}}",
                _ => throw new NotSupportedException(part.GetType().Name),
            }));
        }

        service["environment"] = environment;
        var published = workload.Ports.Where(p => p.Loopback is not null)
            .Select(p => (object)$"127.0.0.1:{p.Loopback!.Value.ToString(CultureInfo.InvariantCulture)}:{p.Number.ToString(CultureInfo.InvariantCulture)}")
            .ToList();
        if (published.Count > 0)
        {
            service["ports"] = published;
        }

        if (workload.StartsAfter.Count > 0)
        {
            var dependsOn = Yaml.Map();
            foreach (var name in workload.StartsAfter)
            {
                var condition = Yaml.Map();
                condition["condition"] = "service_started";
                dependsOn[name] = condition;
            }

            service["depends_on"] = dependsOn;
        }

        if (workload.Readiness is { Command: { } command } readiness)
        {
            var healthcheck = Yaml.Map();
            healthcheck["test"] = new List<object> { "CMD" }.Concat(command).ToList();
            healthcheck["interval"] = $"{readiness.PeriodSeconds.ToString(CultureInfo.InvariantCulture)}s";
            healthcheck["timeout"] = $"{readiness.TimeoutSeconds.ToString(CultureInfo.InvariantCulture)}s";
            healthcheck["retries"] = readiness.FailureThreshold;
            service["healthcheck"] = healthcheck;
        }

        if (workload.Volume is { } volume)
        {
            var volumeName = $"{workload.Name}-{volume.Name}";
            volumes[volumeName] = Yaml.Map();
            service["volumes"] = new List<object> { $"{volumeName}:{volume.MountPath}" };
        }

        if (workload.Resources is { } figures)
        {
            var limits = Yaml.Map();
            limits["memory"] = $"{figures.MemoryLimitMiB.ToString(CultureInfo.InvariantCulture)}M";
            var reservations = Yaml.Map();
            reservations["cpus"] = (figures.CpuRequestMillicores / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
            reservations["memory"] = $"{figures.MemoryRequestMiB.ToString(CultureInfo.InvariantCulture)}M";
            var resources = Yaml.Map();
            resources["limits"] = limits;
            resources["reservations"] = reservations;
            var deploy = Yaml.Map();
            deploy["resources"] = resources;
            service["deploy"] = deploy;
        }

        return service;
    }
}
