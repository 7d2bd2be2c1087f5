using Care2Connect.Monitor.Alerts;
using Care2Connect.Monitor.Checks;
using Care2Connect.Monitor.History;
using Care2Connect.Monitor.Status;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddSingleton(TimeProvider.System);
// JSON without reflection (the Monitor compiles ahead of time): its own shapes, then ProblemDetails' (AddProblemDetails).
builder.Services.AddProblemDetails();
builder.Services.ConfigureHttpJsonOptions(json =>
{
    json.SerializerOptions.TypeInfoResolverChain.Insert(0, StatusJson.Default);
    json.SerializerOptions.TypeInfoResolverChain.Insert(0, ChecksJson.Default);
});

// The history first: hosted services stop in reverse order, so its writer stops last and keeps the final events.
builder.AddMonitorHistory();
builder.AddMonitorChecks();
builder.AddMonitorAlerts();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapStatusPage();
app.MapMaintenanceApi();

app.Run();
