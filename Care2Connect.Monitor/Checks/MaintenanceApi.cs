using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Care2Connect.Monitor.Checks;

internal sealed record MaintenanceRequest(bool Active, string? Reason);

/// <summary><c>GET</c>/<c>PUT /api/maintenance</c>: read or flip the maintenance switch; changing it needs the admin key.</summary>
internal static class MaintenanceApi
{
    public static IEndpointRouteBuilder MapMaintenanceApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/maintenance", (MaintenanceState state) => TypedResults.Ok(state.Status)).WithName("GetMaintenance").WithSummary("Whether maintenance is on, why and since when.");
        app.MapPut("/api/maintenance", SetMaintenance).WithName("SetMaintenance").WithSummary("Turn maintenance on or off (admin key): checks go on, recovery requests and alerts pause.");
        return app;
    }

    internal static Results<Ok<MaintenanceStatus>, ProblemHttpResult> SetMaintenance(
        MaintenanceRequest request,
        HttpContext http,
        MaintenanceState state,
        IOptions<MonitorOptions> options,
        ILogger<MaintenanceState> logger)
    {
        var configured = options.Value.AdminKey;
        if (string.IsNullOrEmpty(configured))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Admin access is not configured", detail: "Set Monitor:AdminKey to change maintenance at run time.");
        }

        var presented = http.Request.Headers["X-Api-Key"].ToString();
        if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(configured))))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Authentication required", detail: "Send the admin key in the X-Api-Key header.");
        }

        var status = state.Set(request.Active, request.Reason is { Length: > 200 } text ? text[..200] : request.Reason);
        Log.MaintenanceChanged(logger, status.Active, status.Reason ?? string.Empty);
        return TypedResults.Ok(status);
    }
}
