using Care2Connect.AppHost;
using Care2Connect.AppHost.Postgres;

var builder = DistributedApplication.CreateBuilder(args);

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
var api = builder.AddProject<Projects.Care2Connect_Api>("api")
    .WithReference(database)
    .WithApiKeys(keys)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Care2Connect_Monitor>("monitor")
    .WithReference(api)
    .WaitForStart(api)
    .WithHttpHealthCheck("/health");

builder.Build().Run();
return 0;
