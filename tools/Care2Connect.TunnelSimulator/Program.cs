// A local stand-in for cloudflared, for machines without a tunnel token or a container runtime. It is NOT public:
// its "public" endpoint is on this machine's loopback only. It behaves like cloudflared's documented interface:
//   GET /ready   -> 200 {"status":200,"readyConnections":N,"connectorId":"..."}, or 503 with readyConnections 0
//   GET /metrics -> Prometheus text with cloudflared_tunnel_ha_connections
// on its metrics endpoint (METRICS_PORT), and forwards everything on its public endpoint (PUBLIC_PORT) to the
// origin (TUNNEL_ORIGIN), as the Cloudflare edge would: 502 when the origin cannot be reached, 524 when it does not
// answer within TUNNEL_ORIGIN_TIMEOUT seconds (100), 530 (error 1033) when the tunnel has no edge connection. Control endpoints (POST /control/...) on the metrics port
// let the dashboard break it on purpose: go unready, lose the edge (public side fails while /ready says ready),
// or exit.
using System.Globalization;
using System.Net;

var builder = WebApplication.CreateBuilder(args);
var metricsPort = int.Parse(builder.Configuration["METRICS_PORT"] ?? "0", CultureInfo.InvariantCulture);
var publicPort = int.Parse(builder.Configuration["PUBLIC_PORT"] ?? "0", CultureInfo.InvariantCulture);
var origin = new Uri(builder.Configuration["TUNNEL_ORIGIN"] ?? throw new InvalidOperationException("TUNNEL_ORIGIN is required"));
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(IPAddress.Loopback, metricsPort);
    kestrel.Listen(IPAddress.Loopback, publicPort);
});
// How long the edge waits for the origin's response headers: Cloudflare's proxy read timeout, 100 s by default.
var originTimeout = TimeSpan.FromSeconds(double.Parse(builder.Configuration["TUNNEL_ORIGIN_TIMEOUT"] ?? "100", CultureInfo.InvariantCulture));
builder.Services.AddHttpClient("origin", client =>
    {
        client.BaseAddress = origin;
        client.Timeout = originTimeout;
    })
    .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });

var state = new TunnelState(int.Parse(builder.Configuration["TUNNEL_CONNECTIONS"] ?? "4", CultureInfo.InvariantCulture));
var app = builder.Build();

app.MapGet("/ready", () => state.Connections > 0
        ? Results.Json(new { status = 200, readyConnections = state.Connections, connectorId = state.ConnectorId })
        : Results.Json(new { status = 503, readyConnections = 0, connectorId = state.ConnectorId }, statusCode: 503));
app.MapGet("/metrics", () => Results.Text(
        "# HELP cloudflared_tunnel_ha_connections Number of active ha connections\n"
        + "# TYPE cloudflared_tunnel_ha_connections gauge\n"
        + $"cloudflared_tunnel_ha_connections {state.Connections}\n",
        "text/plain; version=0.0.4"));
app.MapPost("/control/unready", () => { state.Connections = 0; return Results.Ok("unready: no edge connections"); });
app.MapPost("/control/ready", () => { state.Connections = state.Configured; state.EdgeLost = false; return Results.Ok("ready"); });
app.MapPost("/control/lose-edge", () => { state.EdgeLost = true; return Results.Ok("edge lost: public requests fail, /ready still ready"); });
app.MapPost("/control/exit", (IHostApplicationLifetime lifetime) =>
{
    Environment.ExitCode = 1;
    lifetime.StopApplication();
    return Results.Ok("exiting with code 1");
});

// Which side a request is on is told by the port it arrived on (the orchestrator's proxy rewrites nothing but the
// port, and the Host header names the proxy's). The public side goes to the origin, as through the edge.
app.Use(async (context, next) =>
{
    if (context.Connection.LocalPort != publicPort)
    {
        await next(context);
        return;
    }

    if (state.EdgeLost || state.Connections == 0)
    {
        // What Cloudflare answers when it cannot reach the tunnel (error 1033).
        context.Response.StatusCode = 530;
        await context.Response.WriteAsync("error code: 1033");
        return;
    }

    using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString);
    if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
    {
        request.Content = new StreamContent(context.Request.Body);
    }

    foreach (var header in context.Request.Headers)
    {
        // Like the Cloudflare edge, the client's own CF-Connecting-IP and X-Forwarded-For are not passed on as sent:
        // the API trusts these headers from the tunnel, so a client must not be able to choose its own address.
        if (header.Key is "Host" or "Connection" or "Transfer-Encoding"
            || header.Key.Equals("CF-Connecting-IP", StringComparison.OrdinalIgnoreCase)
            || header.Key.Equals("X-Forwarded-For", StringComparison.OrdinalIgnoreCase))
        {
            continue;
        }

        if (!request.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray()))
        {
            request.Content?.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
        }
    }

    var client = context.Connection.RemoteIpAddress?.ToString();
    request.Headers.TryAddWithoutValidation("CF-Connecting-IP", client);
    // Cloudflare appends the client to any X-Forwarded-For it received.
    var forwardedFor = context.Request.Headers["X-Forwarded-For"].ToString();
    request.Headers.TryAddWithoutValidation("X-Forwarded-For", string.IsNullOrEmpty(forwardedFor) ? client : $"{forwardedFor}, {client}");
    HttpResponseMessage response;
    try
    {
        response = await context.RequestServices.GetRequiredService<IHttpClientFactory>().CreateClient("origin")
            .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
    }
    catch (HttpRequestException)
    {
        // What the edge answers when the connector cannot reach the origin.
        context.Response.StatusCode = StatusCodes.Status502BadGateway;
        await context.Response.WriteAsync("error code: 502");
        return;
    }
    catch (TaskCanceledException) when (!context.RequestAborted.IsCancellationRequested)
    {
        // The origin took longer than the edge waits (Cloudflare: 100 s, then 524).
        context.Response.StatusCode = 524;
        await context.Response.WriteAsync("error code: 524");
        return;
    }

    using var _ = response;
    context.Response.StatusCode = (int)response.StatusCode;
    foreach (var header in response.Headers.Concat(response.Content.Headers))
    {
        if (header.Key is not ("Transfer-Encoding" or "Connection"))
        {
            context.Response.Headers[header.Key] = header.Value.ToArray();
        }
    }

    await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
});

app.Run();

internal sealed class TunnelState(int configured)
{
    public int Configured { get; } = configured;

    public volatile int Connections = configured;

    public volatile bool EdgeLost;

    public string ConnectorId { get; } = Guid.NewGuid().ToString();
}
