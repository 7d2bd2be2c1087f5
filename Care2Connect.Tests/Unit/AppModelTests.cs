using Aspire.Hosting.Postgres;
using Care2Connect.AppHost.Postgres;
using Care2Connect.AppHost.Supervision;
using Care2Connect.AppHost.Tunnel;

namespace Care2Connect.Tests.Unit;

/// <summary>
/// The AppHost's declarations, read from the app model without starting anything. Container mode cannot run
/// on machines without a container runtime, so this is where its declaration is proven.
/// </summary>
public sealed class AppModelTests
{
    private static readonly string[] Secrets =
    [
        "Parameters:operator-key=test-operator-key",
        "Parameters:admin-key=test-admin-key",
        "Parameters:postgres-password=test-password",
    ];

    private static async Task<IDistributedApplicationTestingBuilder> AppModel(params string[] args) =>
        await DistributedApplicationTestingBuilder.CreateAsync<Projects.Care2Connect_AppHost>([.. Secrets, .. args])
            .WaitAsync(TimeSpan.FromMinutes(1));

    [Fact]
    public async Task Container_mode_declares_postgres_with_a_volume_a_database_and_a_health_check()
    {
        await using var builder = await AppModel("Postgres:Mode=Container");

        var server = Assert.Single(builder.Resources.OfType<PostgresServerResource>());
        Assert.Equal("postgres", server.Name);
        var image = Assert.Single(server.Annotations.OfType<ContainerImageAnnotation>());
        Assert.EndsWith("postgres", image.Image, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(image.Tag));
        var volume = Assert.Single(server.Annotations.OfType<ContainerMountAnnotation>());
        Assert.Equal(ContainerMountType.Volume, volume.Type);
        Assert.StartsWith("/var/lib/postgresql", volume.Target, StringComparison.Ordinal);
        Assert.NotEmpty(server.Annotations.OfType<HealthCheckAnnotation>());
        Assert.Equal("postgres-password", server.PasswordParameter.Name);
        Assert.True(server.PasswordParameter.Secret);

        var database = Assert.Single(builder.Resources.OfType<PostgresDatabaseResource>());
        Assert.Equal("care2connect", database.Name);
        Assert.Same(server, database.Parent);
        Assert.Empty(builder.Resources.OfType<LocalPostgresServerResource>());
    }

    [Fact]
    public async Task Local_mode_declares_an_executable_server_with_an_endpoint_health_check_and_database()
    {
        await using var builder = await AppModel("Postgres:Mode=Local", "Postgres:DataDirectory=/var/tmp/c2c-model-test");

        var server = Assert.Single(builder.Resources.OfType<LocalPostgresServerResource>());
        Assert.Equal("postgres", server.Name);
        Assert.Equal("bash", server.Command);
        var endpoint = Assert.Single(server.Annotations.OfType<EndpointAnnotation>());
        Assert.Equal("tcp", endpoint.Name);
        Assert.Equal("tcp", endpoint.UriScheme);
        Assert.NotEmpty(server.Annotations.OfType<HealthCheckAnnotation>());
        Assert.True(server.PasswordParameter.Secret);

        var database = Assert.Single(builder.Resources.OfType<LocalPostgresDatabaseResource>());
        Assert.Equal("care2connect", database.Name);
        Assert.Same(server, database.Parent);
        Assert.NotEmpty(database.Annotations.OfType<HealthCheckAnnotation>());
        Assert.Empty(builder.Resources.OfType<PostgresServerResource>());
    }

    [Fact]
    public async Task External_mode_takes_the_configured_connection_string_and_runs_no_server()
    {
        await using var builder = await AppModel("Postgres:Mode=External", "ConnectionStrings:care2connect=Host=db.example;Database=care2connect");

        var database = Assert.Single(builder.Resources, r => r.Name == "care2connect");
        Assert.IsAssignableFrom<IResourceWithConnectionString>(database);
        Assert.Empty(builder.Resources.OfType<LocalPostgresServerResource>());
        Assert.Empty(builder.Resources.OfType<PostgresServerResource>());
    }

    [Fact]
    public async Task Cloudflare_mode_declares_a_supervised_cloudflared_container_with_the_token_secret_and_a_fixed_origin_port()
    {
        await using var builder = await AppModel("Postgres:Mode=Local", "Postgres:DataDirectory=/var/tmp/c2c-model-test", "Parameters:tunnel-token=test-token", "Tunnel:OriginPort=5190");

        var tunnel = Assert.Single(builder.Resources.OfType<ContainerResource>(), r => r.Name == "tunnel");
        var image = Assert.Single(tunnel.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Equal(TunnelHostingExtensions.CloudflaredImage, image.Image);
        Assert.Equal(TunnelHostingExtensions.CloudflaredTag, image.Tag);

        var args = new List<object>();
        foreach (var callback in tunnel.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await callback.Callback(new CommandLineArgsCallbackContext(args, CancellationToken.None));
        }

        Assert.Equal(["tunnel", "--no-autoupdate", "--metrics", "0.0.0.0:60123", "run"], args.Select(a => a.ToString()));

        var environment = new Dictionary<string, object>();
        foreach (var callback in tunnel.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(new EnvironmentCallbackContext(builder.ExecutionContext, environment, CancellationToken.None));
        }

        var token = Assert.IsType<ParameterResource>(environment["TUNNEL_TOKEN"]);
        Assert.Equal("tunnel-token", token.Name);
        Assert.True(token.Secret);

        var metrics = Assert.Single(tunnel.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "metrics");
        Assert.Equal(60123, metrics.TargetPort);
        var policy = Assert.Single(tunnel.Annotations.OfType<RestartPolicyAnnotation>()).Policy;
        Assert.Equal(5, policy.MaxRestarts);
        Assert.Equal("/ready", policy.Liveness?.Path);
        Assert.Equal("metrics", policy.Liveness?.EndpointName);

        var api = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == "api");
        Assert.Equal(5190, Assert.Single(api.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "http").Port);
    }

    [Fact]
    public async Task Without_a_token_the_tunnel_is_the_local_simulation_and_off_means_none()
    {
        await using (var builder = await AppModel("Postgres:Mode=Local", "Postgres:DataDirectory=/var/tmp/c2c-model-test"))
        {
            var tunnel = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == "tunnel");
            Assert.Contains(tunnel.Annotations.OfType<EndpointAnnotation>(), e => e.Name == "public");
            Assert.Contains(tunnel.Annotations.OfType<ResourceCommandAnnotation>(), c => c.Name == "tunnel-unready");
            Assert.Single(tunnel.Annotations.OfType<RestartPolicyAnnotation>());
        }

        await using (var builder = await AppModel("Postgres:Mode=Local", "Postgres:DataDirectory=/var/tmp/c2c-model-test", "Tunnel:Mode=Off"))
        {
            Assert.DoesNotContain(builder.Resources, r => r.Name == "tunnel");
        }
    }

    [Fact]
    public async Task The_api_listens_publicly_and_internally_and_the_monitor_and_tunnel_each_get_their_side()
    {
        // As run by hand: the testing builder randomises ports unless told not to.
        await using var builder = await AppModel("Postgres:Mode=Local", "Postgres:DataDirectory=/var/tmp/c2c-model-test", "DcpPublisher:RandomizePorts=false");
        var api = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == "api");
        var monitor = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == "monitor");
        var tunnel = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == "tunnel");

        // Both listeners are the API's own (no proxy in front, so a caller is refused while it is down), on the
        // ports operators know: the launch profile's 5180 and 5181.
        var endpoints = api.Annotations.OfType<EndpointAnnotation>().ToList();
        Assert.Equal(["http", "internal"], endpoints.Select(e => e.Name).Order());
        Assert.All(endpoints, e => Assert.False(e.IsProxied));
        Assert.All(endpoints, e => Assert.Equal("http", e.UriScheme));
        Assert.Equal((5180, 5180), endpoints.Where(e => e.Name == "http").Select(e => (e.Port, e.TargetPort)).Single());
        Assert.Equal((5181, 5181), endpoints.Where(e => e.Name == "internal").Select(e => (e.Port, e.TargetPort)).Single());

        var apiEnvironment = await EnvironmentOf(api, builder);
        var internalPort = Assert.IsType<EndpointReferenceExpression>(apiEnvironment["Api__InternalPort"]);
        Assert.Equal("internal", internalPort.Endpoint.EndpointName);
        Assert.Equal(EndpointProperty.TargetPort, internalPort.Property);
        Assert.Equal("127.0.0.1", apiEnvironment["Api__TrustedProxies__0"]);
        Assert.Equal("::1", apiEnvironment["Api__TrustedProxies__1"]);

        var monitorBase = Assert.IsType<EndpointReference>((await EnvironmentOf(monitor, builder))["Monitor__Api__BaseAddress"]);
        Assert.Equal("internal", monitorBase.EndpointName);
        Assert.Same(api, monitorBase.Resource);

        var origin = Assert.IsType<EndpointReference>((await EnvironmentOf(tunnel, builder))["TUNNEL_ORIGIN"]);
        Assert.Equal("http", origin.EndpointName);
        Assert.Same(api, origin.Resource);
    }

    [Fact]
    public async Task With_randomised_ports_the_api_listens_on_two_free_ports_of_its_own()
    {
        await using var builder = await AppModel("Postgres:Mode=Local", "Postgres:DataDirectory=/var/tmp/c2c-model-test");
        var api = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == "api");

        var endpoints = api.Annotations.OfType<EndpointAnnotation>().ToList();
        Assert.All(endpoints, e => Assert.False(e.IsProxied));
        Assert.All(endpoints, e => Assert.Equal(e.Port, e.TargetPort));
        Assert.DoesNotContain(endpoints, e => e.Port is 5180 or 5181 or null);
        Assert.Equal(2, endpoints.Select(e => e.Port).Distinct().Count());
    }

    [Fact]
    public async Task Every_service_runs_its_built_assembly_with_the_project_environment()
    {
        await using var builder = await AppModel("Postgres:Mode=Local", "Postgres:DataDirectory=/var/tmp/c2c-model-test");
        foreach (var (name, assembly) in new[] { ("api", "Care2Connect.Api"), ("monitor", "Care2Connect.Monitor"), ("tunnel", "Care2Connect.TunnelSimulator") })
        {
            var project = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == name);
            Assert.Equal("dotnet", project.Command);
            Assert.Equal(Path.GetDirectoryName(project.ProjectPath), project.WorkingDirectory);
            Assert.Equal(assembly + ".dll", Path.GetFileName(project.AssemblyPath));
            Assert.True(File.Exists(project.AssemblyPath), project.AssemblyPath);

            var environment = await EnvironmentOf(project, builder);
            Assert.Equal("Development", environment["ASPNETCORE_ENVIRONMENT"]);
            Assert.Equal("http", environment["DOTNET_LAUNCH_PROFILE"]);
            Assert.Equal("in_memory", environment["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"]);
            Assert.True(environment.ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT"));
            Assert.True(environment.ContainsKey("OTEL_SERVICE_NAME"));
        }

        var api = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == "api");
        var urls = Assert.IsType<ReferenceExpression>((await EnvironmentOf(api, builder))["ASPNETCORE_URLS"]);
        Assert.Equal(["http", "internal"], urls.ValueProviders.OfType<EndpointReferenceExpression>().Select(e => e.Endpoint.EndpointName).Distinct().Order());
    }

    [Fact]
    public async Task Services_have_their_names_health_checks_and_secret_keys()
    {
        await using var builder = await AppModel("Postgres:Mode=Local", "Postgres:DataDirectory=/var/tmp/c2c-model-test");

        var api = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == "api");
        var monitor = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == "monitor");
        Assert.NotEmpty(api.Annotations.OfType<HealthCheckAnnotation>());
        Assert.NotEmpty(monitor.Annotations.OfType<HealthCheckAnnotation>());

        // The Monitor waits for the API to start, never for it to be healthy: it must run while the API is down.
        var wait = Assert.Single(monitor.Annotations.OfType<WaitAnnotation>());
        Assert.Equal("api", wait.Resource.Name);
        Assert.Equal(WaitType.WaitUntilStarted, wait.WaitType);
        Assert.Empty(api.Annotations.OfType<WaitAnnotation>());

        // The operator's buttons: each asks before it acts.
        var postgres = Assert.Single(builder.Resources, r => r.Name == "postgres");
        foreach (var (resource, command, display) in new (IResource, string, string)[]
        {
            (api, "recover-now", "Recover now"),
            (api, "reset-breaker", "Reset circuit breaker"),
            (postgres, "simulate-outage", "Simulate outage"),
            (monitor, "pause-actions", "Pause actions"),
            (monitor, "resume-actions", "Resume"),
        })
        {
            var annotation = Assert.Single(resource.Annotations.OfType<ResourceCommandAnnotation>(), c => c.Name == command);
            Assert.Equal(display, annotation.DisplayName);
            Assert.False(string.IsNullOrEmpty(annotation.ConfirmationMessage), $"{command} must ask first");
        }

        foreach (var key in new[] { "operator-key", "admin-key" })
        {
            var parameter = Assert.Single(builder.Resources.OfType<ParameterResource>(), p => p.Name == key);
            Assert.True(parameter.Secret, $"{key} must be secret");
        }
    }

    [Fact]
    public async Task Extra_checks_and_dependencies_set_in_the_apphost_reach_the_monitor_and_the_api_as_environment()
    {
        await using var builder = await AppModel(
            "Postgres:Mode=Local",
            "Postgres:DataDirectory=/var/tmp/c2c-model-test",
            "Monitor:Checks:frontend:Url=https://care2connect.example.org/",
            "Monitor:Checks:frontend:Interval=00:00:30",
            "Monitor:Checks:tunnel:FailuresBeforeDown=5",
            "Recovery:Dependencies:openai:Url=https://openai.example/health",
            "Recovery:Dependencies:openai:Critical=false",
            "Recovery:Dependencies:stripe:Url=https://stripe.example/health");

        var api = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == "api");
        var monitor = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == "monitor");
        var monitorEnvironment = await EnvironmentOf(monitor, builder);
        var apiEnvironment = await EnvironmentOf(api, builder);

        Assert.Equal("https://care2connect.example.org/", monitorEnvironment["Monitor__Checks__frontend__Url"]);
        Assert.Equal("00:00:30", monitorEnvironment["Monitor__Checks__frontend__Interval"]);
        Assert.Equal("5", monitorEnvironment["Monitor__Checks__tunnel__FailuresBeforeDown"]);
        Assert.Equal("https://openai.example/health", apiEnvironment["Recovery__Dependencies__openai__Url"]);
        Assert.Equal("false", apiEnvironment["Recovery__Dependencies__openai__Critical"]);
        Assert.Equal("https://stripe.example/health", apiEnvironment["Recovery__Dependencies__stripe__Url"]);

        // Each service gets its own section only.
        Assert.DoesNotContain(monitorEnvironment.Keys, key => key.StartsWith("Recovery__", StringComparison.Ordinal));
        Assert.DoesNotContain(apiEnvironment.Keys, key => key.StartsWith("Monitor__Checks__", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Alert_channels_set_in_the_apphost_reach_the_monitor_with_their_secrets_as_secret_parameters()
    {
        await using var builder = await AppModel(
            "Postgres:Mode=Local",
            "Postgres:DataDirectory=/var/tmp/c2c-model-test",
            "Monitor:Alerts:Webhooks:0:Url=https://discord.example/api/webhooks/1/secret-token",
            "Monitor:Alerts:Webhooks:0:Format=Discord",
            "Monitor:Alerts:Email:0:Host=smtp.example.org",
            "Monitor:Alerts:Email:0:Password=smtp-secret",
            "Monitor:Alerts:Email:0:To:0=ops@example.org");

        var monitor = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == "monitor");
        var environment = await EnvironmentOf(monitor, builder);

        Assert.Equal("Discord", environment["Monitor__Alerts__Webhooks__0__Format"]);
        Assert.Equal("smtp.example.org", environment["Monitor__Alerts__Email__0__Host"]);
        Assert.Equal("ops@example.org", environment["Monitor__Alerts__Email__0__To__0"]);
        foreach (var (variable, parameterName) in new[]
        {
            ("Monitor__Alerts__Webhooks__0__Url", "monitor-alerts-webhooks-0-url"),
            ("Monitor__Alerts__Email__0__Password", "monitor-alerts-email-0-password"),
        })
        {
            var parameter = Assert.IsType<ParameterResource>(environment[variable]);
            Assert.Equal(parameterName, parameter.Name);
            Assert.True(parameter.Secret, $"{variable} must be a secret");
        }

        Assert.DoesNotContain(environment.Values.OfType<string>(), value => value.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_extra_checks_or_dependencies_nothing_is_forwarded()
    {
        await using var builder = await AppModel("Postgres:Mode=Local", "Postgres:DataDirectory=/var/tmp/c2c-model-test");

        var api = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == "api");
        var monitor = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == "monitor");
        Assert.DoesNotContain((await EnvironmentOf(monitor, builder)).Keys, key => key.StartsWith("Monitor__Checks__", StringComparison.Ordinal));
        Assert.DoesNotContain((await EnvironmentOf(api, builder)).Keys, key => key.StartsWith("Recovery__Dependencies__", StringComparison.Ordinal));
    }

    // Only the callbacks that can run without a started app; the values are what the app would resolve later.
    private static async Task<Dictionary<string, object>> EnvironmentOf(IResource resource, IDistributedApplicationTestingBuilder builder)
    {
        var environment = new Dictionary<string, object>();
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            try
            {
                await callback.Callback(new EnvironmentCallbackContext(builder.ExecutionContext, environment, CancellationToken.None));
            }
            catch (Exception exception) when (exception is InvalidOperationException or NullReferenceException)
            {
                // Needs the running app (service provider, allocated endpoints): not what these tests look at.
            }
        }

        return environment;
    }
}
