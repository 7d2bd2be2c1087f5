using Care2Connect.AppHost;
using Care2Connect.AppHost.BuiltProjects;
using Care2Connect.AppHost.Postgres;
using Care2Connect.AppHost.Operations;
using Care2Connect.AppHost.Publishing;
using Care2Connect.AppHost.Scaling;
using Care2Connect.AppHost.Supervision;
using Care2Connect.AppHost.Tunnel;

// `--publish <folder>`: the same app model, written as Kubernetes manifests and a Compose file instead of run (Publishing/).
var publish = DeploymentPublisher.Parse(args);
var builder = DistributedApplication.CreateBuilder(publish?.BuilderArgs ?? args);

// Under systemd, secrets come as credentials (files), above user secrets and the environment.
builder.Configuration.AddSystemdCredentials();

// Infrastructure.
IResourceBuilder<IResourceWithConnectionString> database;
try
{
    database = builder.AddCare2ConnectPostgres(serverName: "postgres", databaseName: "care2connect");
}
catch (PostgresUnavailableException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 1;
}

// Secrets: generated on first run, kept in the AppHost's user secrets, never defaulted.
var keys = builder.AddApiKeys();

// Services. The API does not wait for the database: it starts, answers /alive, and becomes ready once its
// migrations have applied. The Monitor waits only for the API to start, since it must run while the API is down.
// Supervision: crashed processes are started again, hung ones (liveness /alive failing) restarted, within a
// budget. Liveness never depends on the database, so a database outage never restarts the API.
// Two listeners: "http" (public: tickets and /alive, the tunnel's origin) and "internal" (health, admin, OpenAPI).
// Readiness is checked on the internal one; liveness (/alive, public) stays on "http", the probe's default.
// Every project runs from its build output, without a `dotnet run` wrapper (BuiltProjects/). The API's listeners are
// its own, without the orchestrator's proxy: while it is down a caller is refused at once, never held.
// Api:Instances (default 1) adds api-2, api-3, ... declared the same way, on the same database (Scaling/).
var api = builder.AddApiInstances(database, keys)[0];

// The way in from the internet: cloudflared with a token, else a local simulation of it. Public endpoint only.
var tunnel = builder.AddCare2ConnectTunnel(api);

// The Monitor is on the operator's side: it talks to the internal endpoint (its /alive answers there too).
var monitor = builder.AddBuiltProject<Projects.Care2Connect_Monitor>("monitor")
    .WithReference(api)
    .WithEnvironment("Monitor__Api__BaseAddress", api.GetEndpoint(ApiListenerExtensions.InternalEndpointName))
    .WithMonitorSettings(keys.Admin)
    .WithForwardedSettings(ForwardedSettingsExtensions.MonitorChecks)
    .WithForwardedSettings(ForwardedSettingsExtensions.MonitorAlerts, secretKeys: ["Url", "Password"])
    .WithMonitorCommands(keys.Admin)
    .WithUrlForEndpoint("http", url => url.DisplayText = "Status page")
    .WaitForStart(api)
    .WithReadinessCheck("/health")
    .WithRestartPolicy(builder.RestartPolicyFor("monitor", new LivenessProbe { Path = "/alive" }))
    .WithMeasuredFootprint(MeasuredFootprints.Monitor);

if (tunnel is { } way)
{
    api.WithEnvironment("Tunnel__PublicUrl", way.PublicUrl);
    monitor.WithEnvironment("Tunnel__PublicUrl", way.PublicUrl).WithReference(way.Tunnel.GetEndpoint("metrics"));
}

if (publish is not null)
{
    return await DeploymentPublisher.PublishAsync(builder, publish.OutputDirectory);
}

try
{
    builder.Build().Run();
}
catch (AggregateException exception) when (exception.InnerException is TunnelUnavailableException unavailable)
{
    // Found at start (BeforeStartEvent), before anything runs: one message, not a stack trace.
    Console.Error.WriteLine(unavailable.Message);
    return 1;
}

return 0;
