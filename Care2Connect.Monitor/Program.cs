using Care2Connect.Monitor.History;
using Care2Connect.Monitor.Probing;
using Care2Connect.Monitor.Status;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddSingleton(TimeProvider.System);

// Before the checks engine: the history writer then stops after it and keeps its last events.
builder.AddMonitorHistory();
builder.Services.AddOptions<ApiProbeOptions>()
    .BindConfiguration(ApiProbeOptions.Section)
    .ValidateDataAnnotations()
    .ValidateOnStart();

// The service defaults give every client retries; a probe must see each failure, so its client has none.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental; it is the supported way to opt one client out.
builder.Services.AddHttpClient(ApiLivenessWatcher.ProbeClient).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
builder.Services.AddHostedService<ApiLivenessWatcher>();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapStatusPage();

app.Run();
