// The smallest system the API runs in: Postgres and the API, nothing else — no tunnel, no Monitor, no supervision
// of the API, no dashboard commands. It exists so the benchmark harness can compare the full AppHost's cold start
// with it; both are declared with the same hosting extensions (Care2Connect.AppHost's), so Postgres (any mode), the
// keys and the API's listeners and readiness check are exactly the full AppHost's.
//
//   dotnet run --project tools/Care2Connect.MinimalAppHost        (dashboard on http://localhost:15090)
using Care2Connect.AppHost;
using Care2Connect.AppHost.BuiltProjects;
using Care2Connect.AppHost.Postgres;

var builder = DistributedApplication.CreateBuilder(args);

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

var keys = builder.AddApiKeys();

// Declared as in Care2Connect.AppHost (same ports when run by hand: run one or the other), minus supervision,
// dashboard commands and the Monitor's and tunnel's wiring.
builder.AddBuiltProject<Projects.Care2Connect_Api>("api")
    .WithInternalListener()
    .WithoutProxy()
    .WithReference(database)
    .WithApiKeys(keys)
    .WithHttpHealthCheck("/health", endpointName: ApiListenerExtensions.InternalEndpointName);

builder.Build().Run();
return 0;
