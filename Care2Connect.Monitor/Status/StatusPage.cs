using Care2Connect.Monitor.History;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Care2Connect.Monitor.Status;

/// <summary>A component as <c>GET /api/status</c> shows it. <c>lastError</c> is the engine's short summary, never raw exception text.</summary>
internal sealed record ComponentStatusResponse(
    string Name,
    string Check,
    ComponentState State,
    DateTimeOffset? Since,
    double? LastLatencyMs,
    DateTimeOffset? LastCheckedAt,
    string? LastError,
    double? Uptime24h,
    double? Uptime7d,
    bool AutoRecoveryPaused);

internal sealed record RecoveryRequestStatus(
    DateTimeOffset At,
    IReadOnlyList<string> Components,
    string Reason,
    int? StatusCode,
    string Outcome,
    double? RetryAfterSeconds,
    Guid? AttemptId,
    string? Summary);

internal sealed record StatusResponse(
    string Status,
    Fault Fault,
    MaintenanceStatus Maintenance,
    DateTimeOffset CheckedAt,
    IReadOnlyList<ComponentStatusResponse> Components,
    IReadOnlyList<Transition> Transitions,
    IReadOnlyList<RecoveryRequestStatus> RecoveryRequests);

/// <summary>
/// <c>GET /api/status</c> (JSON), <c>GET /</c> (the page a person reads) and <c>GET /status.css</c>. Anonymous: they
/// show states, timings and the engine's short summaries, no secrets. The page is server-rendered with no script
/// and no inline style, so the Content-Security-Policy can forbid both.
/// </summary>
internal static class StatusPage
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapStatusPage(this IEndpointRouteBuilder endpoints)
    {
        var status = endpoints.MapGroup(string.Empty)
            .AllowAnonymous()
            .AddEndpointFilter(async (context, next) =>
            {
                AddSecurityHeaders(context.HttpContext.Response.Headers);
                return await next(context);
            });

        status.MapGet("/api/status", GetStatusAsync).WithName("GetStatus").WithSummary("Every component's state, the fault, maintenance, uptime and recent history, as JSON.");
        status.MapGet("/", GetPageAsync).WithName("GetStatusPage").WithSummary("The status page (server-rendered HTML, no script).");
        status.MapGet(StatusHtml.StylesheetPath, GetStylesheet).WithName("GetStatusStylesheet").WithSummary("The status page's stylesheet.");
        return endpoints;
    }

    internal static async Task<Ok<StatusResponse>> GetStatusAsync(
        [FromServices] IMonitorState state,
        [FromServices] HistoryStore history,
        [FromServices] TimeProvider time,
        [FromServices] ILogger<StatusReport> logger,
        CancellationToken cancellationToken)
    {
        var report = await StatusReport.ReadAsync(state, history, time, logger, cancellationToken);
        return TypedResults.Ok(new StatusResponse(
            report.Status,
            report.Fault,
            report.Maintenance,
            report.CheckedAt,
            [.. report.Components.Select(component => new ComponentStatusResponse(
                component.Live.Name,
                component.Live.Check,
                component.Live.State,
                component.Live.Since,
                component.Live.LastLatencyMs,
                component.Live.LastCheckedAt,
                component.Live.LastError,
                component.Uptime24h,
                component.Uptime7d,
                component.Live.AutoRecoveryPaused))],
            report.Transitions,
            [.. report.RecoveryRequests.Select(request => new RecoveryRequestStatus(
                request.At,
                request.Components,
                request.Reason,
                request.StatusCode,
                request.Outcome,
                request.RetryAfter?.TotalSeconds,
                request.AttemptId,
                request.Summary))]));
    }

    internal static async Task<ContentHttpResult> GetPageAsync(
        [FromServices] IMonitorState state,
        [FromServices] HistoryStore history,
        [FromServices] TimeProvider time,
        [FromServices] ILogger<StatusReport> logger,
        CancellationToken cancellationToken)
    {
        var report = await StatusReport.ReadAsync(state, history, time, logger, cancellationToken);
        return TypedResults.Content(StatusHtml.Render(report), "text/html; charset=utf-8");
    }

    internal static ContentHttpResult GetStylesheet() => TypedResults.Content(StatusHtml.Stylesheet, "text/css; charset=utf-8");

    private static void AddSecurityHeaders(IHeaderDictionary headers)
    {
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
        headers.CacheControl = "no-store";
    }
}
