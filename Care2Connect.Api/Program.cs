using Care2Connect.Api;
using Care2Connect.Api.Data;
using Care2Connect.Api.Http;
using Care2Connect.Api.Recovery;
using Care2Connect.Api.Security;
using Care2Connect.Api.SpeechIntelligence;
using Care2Connect.Api.Tickets;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddSingleton(TimeProvider.System);
builder.AddApiHttp();
builder.AddApiKeySecurity();
builder.AddCareData();
builder.AddSpeechIntelligence();
builder.AddRecovery();
builder.AddTicketRateLimiting();

var app = builder.Build();

app.UseApiPipeline();
app.MapDefaultEndpoints(alive => alive.AllowOnPublicListener());
app.MapOpenApi();
app.MapTicketsApi();
app.MapHealthApi();

app.Run();
