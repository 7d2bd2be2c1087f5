using Care2Connect.Monitor.Alerts;
using Care2Connect.Monitor.Checks;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddSingleton(TimeProvider.System);
builder.AddMonitorChecks();
builder.AddMonitorAlerts();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapMaintenanceApi();

app.Run();
