using Care2Connect.AppHost.Publishing;
using Care2Connect.AppHost.Supervision;

namespace Care2Connect.Tests.Unit.Publishing;

/// <summary>
/// The AppHost's publish mode (issue 14): what it writes is what is committed under deploy/generated, and the
/// manifests carry the local mechanisms over (probes from the restart policy, secrets as references, the internal
/// listener inside the cluster, requests from measured figures). Read back from the YAML it wrote.
/// </summary>
public sealed class PublishingTests(PublishedOutput published) : IClassFixture<PublishedOutput>
{
    private static readonly LivenessProbe ProbeDefaults = new();

    [Fact]
    public void The_committed_output_is_what_the_apphost_generates()
    {
        var generated = PublishedOutput.Files(published.Directory);
        Assert.True(Directory.Exists(PublishedOutput.Committed), $"{PublishedOutput.Committed} is missing: run `{DeploymentPublisher.Command}`.");
        var committed = PublishedOutput.Files(PublishedOutput.Committed);

        var missing = generated.Keys.Except(committed.Keys).ToList();
        var stale = committed.Keys.Except(generated.Keys).ToList();
        Assert.True(missing.Count == 0 && stale.Count == 0,
            $"deploy/generated has not the files the AppHost generates (not committed: {string.Join(", ", missing)}; no longer generated: {string.Join(", ", stale)}). Run `{DeploymentPublisher.Command}`.");
        foreach (var (file, text) in generated)
        {
            Assert.True(text == committed[file], $"deploy/generated/{file} differs from what the AppHost generates: {FirstDifference(committed[file], text)}. Run `{DeploymentPublisher.Command}` and commit the result.");
        }
    }

    [Fact]
    public void No_secret_value_reaches_any_file()
    {
        foreach (var (file, text) in PublishedOutput.Files(published.Directory))
        {
            foreach (var (key, secret) in PublishedOutput.Secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{file} contains the value of {key}.");
            }
        }
    }

    [Fact]
    public void Every_pod_restarts_always_and_the_budget_is_documented()
    {
        foreach (var workload in published.KubernetesObjects().Where(o => o.Text("kind") is "Deployment" or "StatefulSet"))
        {
            var podSpec = workload.Map("spec").Map("template").Map("spec");
            Assert.Equal("Always", podSpec.Text("restartPolicy"));
            var budget = workload.Map("metadata").Map("annotations").Text("care2connect/restart-budget");
            Assert.Contains($"at most {new RestartPolicy().MaxRestarts} restarts", budget, StringComparison.Ordinal);
            Assert.Contains("never gives up", budget, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_api_is_probed_as_the_supervisor_probes_it()
    {
        var api = Container(published, "api");

        var liveness = api.Map("livenessProbe");
        Assert.Equal("/alive", liveness.Map("httpGet").Text("path"));
        Assert.Equal("http", liveness.Map("httpGet").Text("port"));
        AssertNumbers(liveness);
        Assert.Equal((int)ProbeDefaults.InitialDelay.TotalSeconds, liveness.Number("initialDelaySeconds"));

        var readiness = api.Map("readinessProbe");
        Assert.Equal("/health", readiness.Map("httpGet").Text("path"));
        Assert.Equal("internal", readiness.Map("httpGet").Text("port"));
        AssertNumbers(readiness);

        // The supervisor's startup timeout: liveness failures count only after it, or once /alive has answered.
        var startup = api.Map("startupProbe");
        Assert.Equal("/alive", startup.Map("httpGet").Text("path"));
        Assert.Equal(ProbeDefaults.StartupTimeout.TotalSeconds, startup.Number("periodSeconds") * startup.Number("failureThreshold"));

        var monitor = Container(published, "monitor");
        Assert.Equal("/alive", monitor.Map("livenessProbe").Map("httpGet").Text("path"));
        Assert.Equal("/health", monitor.Map("readinessProbe").Map("httpGet").Text("path"));
        AssertNumbers(monitor.Map("livenessProbe"));

        static void AssertNumbers(object probe)
        {
            Assert.Equal((int)ProbeDefaults.Period.TotalSeconds, probe.Number("periodSeconds"));
            Assert.Equal((int)ProbeDefaults.Timeout.TotalSeconds, probe.Number("timeoutSeconds"));
            Assert.Equal(ProbeDefaults.FailureThreshold, probe.Number("failureThreshold"));
        }
    }

    [Fact]
    public void Nothing_is_exposed_outside_the_cluster_and_the_internal_listener_only_on_loopback_in_compose()
    {
        var objects = published.KubernetesObjects();
        Assert.DoesNotContain(objects, o => o.Text("kind") is "Ingress" or "Route" or "Gateway" or "HTTPRoute");
        var services = objects.Where(o => o.Text("kind") == "Service").ToList();
        Assert.NotEmpty(services);
        Assert.All(services, s => Assert.Equal("ClusterIP", s.Map("spec").Text("type")));

        var api = Assert.Single(services, s => s.Map("metadata").Text("name") == "api");
        Assert.Equal(["http", "internal"], api.Map("spec").List("ports").Select(p => p.Text("name")));

        // Compose: only the operator's listeners are published, on the host's loopback; the API's public one is
        // reached through the tunnel only.
        var compose = Assert.Single(published.Documents("compose/compose.yaml"));
        foreach (var (name, service) in compose.Map("services"))
        {
            if (!service.Has("ports"))
            {
                continue;
            }

            foreach (var port in service.List("ports").Cast<string>())
            {
                Assert.StartsWith("127.0.0.1:", port, StringComparison.Ordinal);
                Assert.False(name is "api" && port.EndsWith(":8080", StringComparison.Ordinal), $"The API's public listener is published on the host: {port}.");
            }
        }
    }

    [Fact]
    public void Secrets_are_references_to_the_secret_never_values()
    {
        var keysSeen = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var workload in published.KubernetesObjects().Where(o => o.Text("kind") is "Deployment" or "StatefulSet"))
        {
            foreach (var variable in workload.Map("spec").Map("template").Map("spec").List("containers").Single().List("env"))
            {
                var name = variable.Text("name");
                var looksSecret = name.EndsWith("Keys__0", StringComparison.Ordinal) || name.Contains("PASSWORD", StringComparison.Ordinal)
                    || name.Contains("TOKEN", StringComparison.Ordinal) || name == "Monitor__AdminKey";
                if (variable.Has("valueFrom"))
                {
                    var reference = variable.Map("valueFrom").Map("secretKeyRef");
                    Assert.Equal(DeploymentModelBuilder.SecretName, reference.Text("name"));
                    keysSeen.Add(reference.Text("key"));
                }
                else
                {
                    Assert.False(looksSecret && !variable.Text("value").Contains("$(C2C_SECRET_", StringComparison.Ordinal), $"{name} has a value, not a secret reference.");
                }
            }
        }

        Assert.Equal(["admin-key", "operator-key", "postgres-password", "tunnel-token"], keysSeen);

        var compose = File.ReadAllText(Path.Combine(published.Directory, "compose", "compose.yaml"));
        Assert.Contains("${ADMIN_KEY:?", compose, StringComparison.Ordinal);
        Assert.Contains("Password=${POSTGRES_PASSWORD:?", compose, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_is_a_stateful_set_with_a_volume_and_the_api_finds_it_by_name()
    {
        var postgres = Assert.Single(published.KubernetesObjects(), o => o.Text("kind") == "StatefulSet" && o.Map("metadata").Text("name") == "postgres");
        var claim = Assert.Single(postgres.Map("spec").List("volumeClaimTemplates"));
        Assert.Equal("data", claim.Map("metadata").Text("name"));
        var mount = Assert.Single(Container(published, "postgres").List("volumeMounts"));
        Assert.Equal("data", mount.Text("name"));
        Assert.Contains(Container(published, "postgres").List("env"), v => v.Text("name") == "PGDATA" && v.Text("value").StartsWith(mount.Text("mountPath") + "/", StringComparison.Ordinal));

        var connection = Assert.Single(Container(published, "api").List("env"), v => v.Text("name") == "ConnectionStrings__care2connect");
        Assert.StartsWith("Host=postgres;Port=5432;", connection.Text("value"), StringComparison.Ordinal);
        Assert.Contains("Password=$(C2C_SECRET_POSTGRES_PASSWORD)", connection.Text("value"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_tunnel_is_cloudflared_with_its_token_from_the_secret_and_ready_probed_on_its_metrics_port()
    {
        var tunnel = Container(published, "tunnel");
        Assert.StartsWith(AppHost.Tunnel.TunnelHostingExtensions.CloudflaredImage + ":", tunnel.Text("image"), StringComparison.Ordinal);
        var token = Assert.Single(tunnel.List("env"), v => v.Text("name") == "TUNNEL_TOKEN");
        Assert.Equal("tunnel-token", token.Map("valueFrom").Map("secretKeyRef").Text("key"));
        var metrics = Assert.Single(tunnel.List("ports"));
        Assert.Equal(AppHost.Tunnel.TunnelHostingExtensions.MetricsPort, metrics.Number("containerPort"));
        foreach (var probe in new[] { "livenessProbe", "readinessProbe" })
        {
            Assert.Equal("/ready", tunnel.Map(probe).Map("httpGet").Text("path"));
            Assert.Equal(metrics.Text("name"), tunnel.Map(probe).Map("httpGet").Text("port"));
        }
    }

    [Fact]
    public void Requests_and_limits_come_from_the_measured_footprints()
    {
        foreach (var (name, footprint) in new[] { ("api", MeasuredFootprints.Api), ("monitor", MeasuredFootprints.Monitor) })
        {
            var resources = Container(published, name).Map("resources");
            var request = MiB(resources.Map("requests").Text("memory"));
            var limit = MiB(resources.Map("limits").Text("memory"));
            Assert.InRange(request, footprint.RssMiB, footprint.RssMiB + 15);
            Assert.Equal(2 * request, limit);
            Assert.InRange(int.Parse(resources.Map("requests").Text("cpu").TrimEnd('m'), System.Globalization.CultureInfo.InvariantCulture), footprint.CpuPercentOfOneCore * 10, (footprint.CpuPercentOfOneCore * 10) + 10);
            Assert.False(resources.Map("limits").Has("cpu"), "A CPU limit turns a burst into latency.");
        }

        static int MiB(string quantity) => int.Parse(quantity.Replace("Mi", string.Empty, StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Dictionary<object, object> Container(PublishedOutput output, string workload) =>
        (Dictionary<object, object>)output.Documents($"kubernetes/{workload}.yaml")[0].Map("spec").Map("template").Map("spec").List("containers").Single();

    private static string FirstDifference(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var left = i < a.Length ? a[i] : "<end of file>";
            var right = i < b.Length ? b[i] : "<end of file>";
            if (left != right)
            {
                return $"line {i + 1}: committed `{left}`, generated `{right}`";
            }
        }

        return "line endings differ";
    }
}
