using System.Diagnostics;
using Care2Connect.AppHost;
using Care2Connect.AppHost.Tunnel;
using Care2Connect.Tests.Infrastructure;

namespace Care2Connect.Tests.Unit;

/// <summary>
/// The real tunnel's way to the API (issue 14, item 4), read from the app model: the cloudflared container is given the
/// host as host.docker.internal (host-gateway), and the API's public listener binds where a container can reach it, on
/// the port the origin names. No container runtime is needed to read it; without one, a start fails with one message.
/// </summary>
public sealed class TunnelOriginTests
{
    private static readonly string[] Settings =
    [
        "Parameters:operator-key=test-operator-key",
        "Parameters:admin-key=test-admin-key",
        "Parameters:postgres-password=test-password",
        "Parameters:tunnel-token=test-token",
        "Postgres:Mode=Local",
        "Postgres:DataDirectory=/var/tmp/c2c-model-test",
    ];

    [Fact]
    public async Task Cloudflared_gets_the_host_gateway_and_the_api_listens_where_it_points()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Care2Connect_AppHost>([.. Settings, "Tunnel:OriginPort=5199"])
            .WaitAsync(TimeSpan.FromMinutes(1));

        var tunnel = Assert.Single(builder.Resources.OfType<ContainerResource>(), r => r.Name == "tunnel");
        var runtimeArgs = new List<object>();
        foreach (var callback in tunnel.Annotations.OfType<ContainerRuntimeArgsCallbackAnnotation>())
        {
            await callback.Callback(new ContainerRuntimeArgsCallbackContext(runtimeArgs, CancellationToken.None));
        }

        Assert.Contains("--add-host=host.docker.internal:host-gateway", runtimeArgs.Select(a => a.ToString()));

        // The origin names host.docker.internal on the API's public port, and that listener accepts more than loopback.
        var origin = new Uri(TunnelHostingExtensions.OriginUrl(5199));
        Assert.Equal("host.docker.internal", origin.Host);
        var api = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == "api");
        var http = Assert.Single(api.Annotations.OfType<EndpointAnnotation>(), e => e.Name == ApiListenerExtensions.PublicEndpointName);
        Assert.Equal(origin.Port, http.Port);
        Assert.Equal(origin.Port, http.TargetPort);
        Assert.Equal("0.0.0.0", http.TargetHost);
        var origins = Assert.Single(tunnel.Annotations.OfType<TunnelOriginAnnotation>());
        Assert.Same(api, origins.Api);
        Assert.Equal(ApiListenerExtensions.PublicEndpointName, origins.EndpointName);

        // What the API is told: the public listener on every IPv4 address, the internal one still on loopback only,
        // and the container networks trusted to name the client (cloudflared's CF-Connecting-IP).
        var environment = new Dictionary<string, object>();
        foreach (var callback in api.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(new EnvironmentCallbackContext(builder.ExecutionContext, api, environment, CancellationToken.None));
        }

        var urls = Assert.IsType<ReferenceExpression>(environment["ASPNETCORE_URLS"]).Format;
        var listeners = urls.Split(';');
        Assert.Equal(2, listeners.Length);
        Assert.Contains("://0.0.0.0:", listeners[0], StringComparison.Ordinal);
        Assert.Contains("://localhost:", listeners[1], StringComparison.Ordinal);
        Assert.Equal(TunnelHostingExtensions.DefaultContainerNetwork, environment["Api__TrustedProxies__2"]);
        Assert.Equal("127.0.0.1", environment["Api__TrustedProxies__0"]);
    }

    [Fact]
    public async Task Without_a_real_tunnel_the_public_listener_stays_on_loopback()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Care2Connect_AppHost>(
            ["Parameters:operator-key=k", "Parameters:admin-key=k", "Parameters:postgres-password=p", "Postgres:Mode=Local", "Postgres:DataDirectory=/var/tmp/c2c-model-test", "Tunnel:Mode=Simulated"])
            .WaitAsync(TimeSpan.FromMinutes(1));

        var api = Assert.Single(builder.Resources.OfType<BuiltProjectResource>(), r => r.Name == "api");
        Assert.All(api.Annotations.OfType<EndpointAnnotation>(), e => Assert.Equal("localhost", e.TargetHost));
    }

    [Fact]
    public async Task A_token_without_a_container_runtime_fails_the_start_with_one_message()
    {
        // The AppHost as a user starts it, with a token and a container runtime that does not answer.
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Care2Connect.AppHost.dll"));
        foreach (var key in start.Environment.Keys.Where(k => k.Contains("__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var setting in Settings)
        {
            var (key, value) = (setting[..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["ASPIRE_CONTAINER_RUNTIME"] = "c2c-no-such-runtime";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = "http://127.0.0.1:0";
        start.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = "http://127.0.0.1:0";
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";

        var ended = await CompletedProcess.RunAsync(start, TimeSpan.FromMinutes(1));
        Assert.True(ended is not null, "The AppHost kept running with a tunnel that cannot start.");
        var errors = ended.Stderr;
        Assert.Equal(1, ended.ExitCode);
        Assert.Equal(TunnelHostingExtensions.NoRuntimeMessage(TunnelMode.Auto), errors.Trim());
        Assert.DoesNotContain("   at ", errors + ended.Stdout, StringComparison.Ordinal);
        Assert.Contains("Tunnel:Mode=Simulated", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_real_tunnel_without_a_public_url_is_warned_about()
    {
        Assert.NotNull(TunnelHostingExtensions.PublicUrlWarning(null));
        Assert.NotNull(TunnelHostingExtensions.PublicUrlWarning(" "));
        Assert.Contains("Tunnel:PublicUrl", TunnelHostingExtensions.PublicUrlWarning(string.Empty), StringComparison.Ordinal);
        Assert.Null(TunnelHostingExtensions.PublicUrlWarning("https://care.example.org"));
    }
}
