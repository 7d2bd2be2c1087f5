using System.Globalization;

namespace Care2Connect.AppHost.Publishing;

/// <summary>
/// Writes the deployment as plain Kubernetes manifests: per workload a Deployment or StatefulSet and a ClusterIP
/// Service, and a kustomization listing them. Nothing is exposed outside the cluster: the way in is the tunnel.
/// </summary>
public static class KubernetesWriter
{
    /// <summary>The label every object carries.</summary>
    public const string PartOf = "care2connect";

    /// <summary>The manifests, by file name.</summary>
    /// <param name="model">The deployment.</param>
    /// <param name="header">The comment that opens every file.</param>
    public static SortedDictionary<string, string> Write(DeploymentModel model, string header)
    {
        ArgumentNullException.ThrowIfNull(model);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var workload in model.Workloads)
        {
            files[$"{workload.Name}.yaml"] = header + Yaml.Document(WorkloadObject(model, workload)) + "---\n" + Yaml.Document(ServiceObject(workload));
        }

        var kustomization = Yaml.Map();
        kustomization["apiVersion"] = "kustomize.config.k8s.io/v1beta1";
        kustomization["kind"] = "Kustomization";
        kustomization["resources"] = files.Keys.ToList();
        files["kustomization.yaml"] = header + Yaml.Document(kustomization);
        return files;
    }

    private static Dictionary<string, object> Labels(Workload workload)
    {
        var labels = Yaml.Map();
        labels["app.kubernetes.io/name"] = workload.Name;
        labels["app.kubernetes.io/part-of"] = PartOf;
        return labels;
    }

    private static Dictionary<string, object> WorkloadObject(DeploymentModel model, Workload workload)
    {
        var metadata = Yaml.Map();
        metadata["name"] = workload.Name;
        metadata["labels"] = Labels(workload);
        var annotations = Yaml.Map();
        if (workload.RestartBudget is { } budget)
        {
            annotations["care2connect/restart-budget"] = budget;
        }

        if (workload.Resources is { } figures)
        {
            annotations["care2connect/resources-from"] = figures.Source;
        }

        for (var i = 0; i < workload.Notes.Count; i++)
        {
            annotations[$"care2connect/note-{(i + 1).ToString(CultureInfo.InvariantCulture)}"] = workload.Notes[i];
        }

        if (annotations.Count > 0)
        {
            metadata["annotations"] = annotations;
        }

        var selector = Yaml.Map();
        selector["matchLabels"] = Labels(workload);

        var podSpec = Yaml.Map();
        podSpec["restartPolicy"] = "Always";
        if (workload.FsGroup is { } group)
        {
            var security = Yaml.Map();
            security["fsGroup"] = group;
            podSpec["securityContext"] = security;
        }

        podSpec["containers"] = new List<object> { Container(model, workload) };

        var template = Yaml.Map();
        var templateMetadata = Yaml.Map();
        templateMetadata["labels"] = Labels(workload);
        template["metadata"] = templateMetadata;
        template["spec"] = podSpec;

        var spec = Yaml.Map();
        if (workload.Kind == WorkloadKind.StatefulSet)
        {
            spec["serviceName"] = workload.Name;
        }

        spec["replicas"] = 1;
        spec["selector"] = selector;
        spec["template"] = template;
        if (workload.Volume is { } volume)
        {
            var claimMetadata = Yaml.Map();
            claimMetadata["name"] = volume.Name;
            var storage = Yaml.Map();
            storage["storage"] = $"{volume.SizeGiB.ToString(CultureInfo.InvariantCulture)}Gi";
            var requests = Yaml.Map();
            requests["requests"] = storage;
            var claimSpec = Yaml.Map();
            claimSpec["accessModes"] = new List<object> { "ReadWriteOnce" };
            claimSpec["resources"] = requests;
            var claim = Yaml.Map();
            claim["metadata"] = claimMetadata;
            claim["spec"] = claimSpec;
            spec["volumeClaimTemplates"] = new List<object> { claim };
        }

        var root = Yaml.Map();
        root["apiVersion"] = "apps/v1";
        root["kind"] = workload.Kind.ToString();
        root["metadata"] = metadata;
        root["spec"] = spec;
        return root;
    }

    private static Dictionary<string, object> Container(DeploymentModel model, Workload workload)
    {
        var container = Yaml.Map();
        container["name"] = workload.Name;
        container["image"] = workload.Image;
        if (workload.Args.Count > 0)
        {
            container["args"] = workload.Args.ToList();
        }

        container["env"] = Environment(model, workload);
        container["ports"] = workload.Ports.Select(p =>
        {
            var port = Yaml.Map();
            port["name"] = p.Name;
            port["containerPort"] = p.Number;
            return (object)port;
        }).ToList();
        if (workload.Startup is { } startup)
        {
            container["startupProbe"] = Probe(startup);
        }

        if (workload.Liveness is { } liveness)
        {
            container["livenessProbe"] = Probe(liveness);
        }

        if (workload.Readiness is { } readiness)
        {
            container["readinessProbe"] = Probe(readiness);
        }

        if (workload.Resources is { } figures)
        {
            var requests = Yaml.Map();
            requests["cpu"] = $"{figures.CpuRequestMillicores.ToString(CultureInfo.InvariantCulture)}m";
            requests["memory"] = $"{figures.MemoryRequestMiB.ToString(CultureInfo.InvariantCulture)}Mi";
            var limits = Yaml.Map();
            limits["memory"] = $"{figures.MemoryLimitMiB.ToString(CultureInfo.InvariantCulture)}Mi";
            var resources = Yaml.Map();
            resources["requests"] = requests;
            resources["limits"] = limits;
            container["resources"] = resources;
        }

        if (workload.Volume is { } volume)
        {
            var mount = Yaml.Map();
            mount["name"] = volume.Name;
            mount["mountPath"] = volume.MountPath;
            container["volumeMounts"] = new List<object> { mount };
        }

        return container;
    }

    // A value with a secret inside (a connection string) is assembled from helper variables defined first, with
    // Kubernetes' $(NAME) expansion: the secret stays in the Secret.
    private static List<object> Environment(DeploymentModel model, Workload workload)
    {
        var helpers = new SortedSet<string>(StringComparer.Ordinal);
        var variables = new List<object>();
        foreach (var variable in workload.Environment)
        {
            var entry = Yaml.Map();
            entry["name"] = variable.Name;
            if (variable.SecretKey is { } key)
            {
                entry["valueFrom"] = SecretRef(model, key);
            }
            else
            {
                entry["value"] = string.Concat(variable.Parts.Select(part => part switch
                {
                    TextPart text => text.Text.Replace("$(", "$$(", StringComparison.Ordinal),
                    SecretPart secret => $"$({HelperName(secret.Key, helpers)})",
                    _ => throw new NotSupportedException(part.GetType().Name),
                }));
            }

            variables.Add(entry);
        }

        var defined = helpers.Select(key =>
        {
            var entry = Yaml.Map();
            entry["name"] = HelperVariable(key);
            entry["valueFrom"] = SecretRef(model, key);
            return (object)entry;
        });
        return [.. defined, .. variables];
    }

    private static string HelperName(string key, SortedSet<string> helpers)
    {
        helpers.Add(key);
        return HelperVariable(key);
    }

    /// <summary>The helper variable that carries a secret into a composed value.</summary>
    /// <param name="key">The secret's key.</param>
    public static string HelperVariable(string key) => "C2C_SECRET_" + key.ToUpperInvariant().Replace('-', '_');

    private static Dictionary<string, object> SecretRef(DeploymentModel model, string key)
    {
        var reference = Yaml.Map();
        reference["name"] = model.SecretName;
        reference["key"] = key;
        var from = Yaml.Map();
        from["secretKeyRef"] = reference;
        return from;
    }

    private static Dictionary<string, object> Probe(Probe probe)
    {
        var result = Yaml.Map();
        if (probe.Path is { } path)
        {
            var get = Yaml.Map();
            get["path"] = path;
            get["port"] = probe.Port!;
            result["httpGet"] = get;
        }
        else
        {
            var exec = Yaml.Map();
            exec["command"] = probe.Command!.ToList();
            result["exec"] = exec;
        }

        if (probe.InitialDelaySeconds > 0)
        {
            result["initialDelaySeconds"] = probe.InitialDelaySeconds;
        }

        result["periodSeconds"] = probe.PeriodSeconds;
        result["timeoutSeconds"] = probe.TimeoutSeconds;
        result["failureThreshold"] = probe.FailureThreshold;
        return result;
    }

    private static Dictionary<string, object> ServiceObject(Workload workload)
    {
        var metadata = Yaml.Map();
        metadata["name"] = workload.Name;
        metadata["labels"] = Labels(workload);
        var spec = Yaml.Map();
        spec["type"] = "ClusterIP";
        spec["selector"] = Labels(workload);
        spec["ports"] = workload.Ports.Select(p =>
        {
            var port = Yaml.Map();
            port["name"] = p.Name;
            port["port"] = p.Number;
            port["targetPort"] = p.Name;
            return (object)port;
        }).ToList();
        var root = Yaml.Map();
        root["apiVersion"] = "v1";
        root["kind"] = "Service";
        root["metadata"] = metadata;
        root["spec"] = spec;
        return root;
    }
}
