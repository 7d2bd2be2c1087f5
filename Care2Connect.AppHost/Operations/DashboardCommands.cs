using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Care2Connect.AppHost.BuiltProjects;
using Care2Connect.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Care2Connect.AppHost.Operations;

/// <summary>
/// The operator's buttons in the dashboard. Each asks for confirmation, uses the admin key without showing it (read
/// from its secret parameter at the moment of the call), and reports its outcome as the command's result.
/// </summary>
public static class DashboardCommands
{
    /// <summary>"Recover now" on the API.</summary>
    public const string RecoverNow = "recover-now";

    /// <summary>"Reset circuit breaker" on the API.</summary>
    public const string ResetBreaker = "reset-breaker";

    /// <summary>"Simulate outage" on the Postgres server.</summary>
    public const string SimulateOutage = "simulate-outage";

    /// <summary>"Pause actions" on the Monitor.</summary>
    public const string PauseMonitor = "pause-actions";

    /// <summary>"Resume" on the Monitor.</summary>
    public const string ResumeMonitor = "resume-actions";

    /// <summary>
    /// Adds "Recover now" (<c>POST /health/recover</c>, trigger <c>dashboard</c>) and "Reset circuit breaker"
    /// (<c>POST /health/breaker/trial</c>) to the API; the attempt's summary also goes to the API's console log.
    /// </summary>
    /// <param name="api">The API.</param>
    /// <param name="adminKey">The <c>admin-key</c> parameter.</param>
    /// <param name="endpointName">The endpoint that serves <c>/health/*</c>.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<BuiltProjectResource> WithApiCommands(
        this IResourceBuilder<BuiltProjectResource> api,
        IResourceBuilder<ParameterResource> adminKey,
        string endpointName) =>
        api
            .WithHttpCommand(RecoverReply.Path, "Recover now", endpointName, RecoverNow, new HttpCommandOptions
            {
                Description = "Probe every component of the API and run the recovery action of each unhealthy one (5-minute cooldown).",
                ConfirmationMessage = "Run recovery now? Unhealthy components get their recovery action; each is probed again to verify it.",
                IconName = "ArrowSync",
                IsHighlighted = true,
                PrepareRequest = context => PrepareAsync(context, adminKey, new { reason = "Recover now, from the dashboard" }),
                GetCommandResult = ReportRecoveryAsync,
            })
            .WithHttpCommand("/health/breaker/trial", "Reset circuit breaker", endpointName, ResetBreaker, new HttpCommandOptions
            {
                Description = "Ask the database circuit breaker for a half-open trial now instead of waiting out the break.",
                ConfirmationMessage = "Reset the database circuit breaker? One trial operation runs at once and decides whether it closes.",
                IconName = "ArrowReset",
                PrepareRequest = context => PrepareAsync(context, adminKey, body: null),
                GetCommandResult = ReportBreakerAsync,
            });

    /// <summary>Adds "Pause actions" and "Resume" (the Monitor's maintenance switch) to the Monitor.</summary>
    /// <param name="monitor">The Monitor.</param>
    /// <param name="adminKey">The <c>admin-key</c> parameter.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<BuiltProjectResource> WithMonitorCommands(this IResourceBuilder<BuiltProjectResource> monitor, IResourceBuilder<ParameterResource> adminKey) =>
        monitor
            .WithHttpCommand("/api/maintenance", "Pause actions", "http", PauseMonitor, new HttpCommandOptions
            {
                Method = HttpMethod.Put,
                Description = "Maintenance: the Monitor keeps checking and recording, but asks for no recovery and sends no alerts.",
                ConfirmationMessage = "Pause the Monitor's actions and alerts? Checks go on.",
                IconName = "Pause",
                PrepareRequest = context => PrepareAsync(context, adminKey, new { active = true, reason = "paused from the dashboard" }),
            })
            .WithHttpCommand("/api/maintenance", "Resume", "http", ResumeMonitor, new HttpCommandOptions
            {
                Method = HttpMethod.Put,
                Description = "End maintenance: recovery requests and alerts resume.",
                ConfirmationMessage = "Resume the Monitor's actions and alerts?",
                IconName = "Play",
                PrepareRequest = context => PrepareAsync(context, adminKey, new { active = false }),
            });

    /// <summary>
    /// Adds "Simulate outage" to the Postgres server: Stop, wait <paramref name="duration"/>, Start — a recovery
    /// drill. The Stop is a user's Stop, so the supervisor does not undo it; the Start resumes supervision.
    /// </summary>
    /// <typeparam name="T">The server resource type.</typeparam>
    /// <param name="server">The Postgres server.</param>
    /// <param name="duration">How long it stays stopped.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<T> WithOutageDrillCommand<T>(this IResourceBuilder<T> server, TimeSpan duration)
        where T : IResource =>
        server.WithCommand(
            SimulateOutage,
            "Simulate outage",
            async context =>
            {
                var commands = context.Services.GetRequiredService<ResourceCommandService>();
                var logger = context.Services.GetRequiredService<ResourceLoggerService>().GetLogger(context.ResourceName);
                var stop = await commands.ExecuteCommandAsync(context.ResourceName, KnownResourceCommands.StopCommand, context.CancellationToken).ConfigureAwait(false);
                if (!stop.Success)
                {
                    return CommandResults.Failure($"Stop failed: {stop.Message}");
                }

                Log.OutageDrillStopped(logger, duration);
                await Task.Delay(duration, context.CancellationToken).ConfigureAwait(false);
                var start = await commands.ExecuteCommandAsync(context.ResourceName, KnownResourceCommands.StartCommand, context.CancellationToken).ConfigureAwait(false);
                Log.OutageDrillStarted(logger, start.Success);
                return start.Success ? CommandResults.Success() : CommandResults.Failure($"Start failed: {start.Message}");
            },
            new CommandOptions
            {
                Description = $"Recovery drill: stop the server for {duration.TotalSeconds:0} s, then start it again.",
                ConfirmationMessage = $"Stop the database for {duration.TotalSeconds:0} s, then start it again? Clients see a real outage.",
                IconName = "PlugDisconnected",
                UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            });

    private static async Task PrepareAsync(HttpCommandRequestContext context, IResourceBuilder<ParameterResource> adminKey, object? body)
    {
        var key = await adminKey.Resource.GetValueAsync(context.CancellationToken).ConfigureAwait(false);
        context.Request.Headers.Add("X-Api-Key", key);
        context.Request.Headers.Add(RecoverReply.TriggerHeader, "dashboard");
        if (body is not null)
        {
            context.Request.Content = JsonContent.Create(body);
        }
    }

    private static async Task<ExecuteCommandResult> ReportRecoveryAsync(HttpCommandResultContext context)
    {
        using var response = context.Response;
        var reply = await RecoverReply.ReadAsync(response, context.CancellationToken).ConfigureAwait(false);
        switch (reply.Kind)
        {
            case RecoverReplyKind.CoolingDown:
                var wait = reply.RetryAfter?.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) ?? "?";
                return CommandResults.Failure($"Recovery is cooling down: the last attempt was recent. Try again in {wait} s.");
            case RecoverReplyKind.Refused:
                return CommandResults.Failure($"The API answered {reply.StatusCode} {reply.ReasonPhrase}.");
        }

        var logger = context.Services.GetRequiredService<ResourceLoggerService>().GetLogger(context.ResourceName);
        Log.RecoverNowFinished(logger, reply.Outcome ?? "unknown", reply.Summary ?? string.Empty, reply.AttemptId!.Value);
        return reply.Outcome == "failed" ? CommandResults.Failure($"Recovery failed: {reply.Summary}") : CommandResults.Success();
    }

    private static async Task<ExecuteCommandResult> ReportBreakerAsync(HttpCommandResultContext context)
    {
        using var response = context.Response;
        if (!response.IsSuccessStatusCode)
        {
            return CommandResults.Failure($"The API answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }

        var body = await response.Content.ReadFromJsonAsync<JsonElement>(context.CancellationToken).ConfigureAwait(false);
        var after = body.GetProperty("after").GetString();
        var logger = context.Services.GetRequiredService<ResourceLoggerService>().GetLogger(context.ResourceName);
        Log.BreakerReset(logger, body.GetProperty("before").GetString() ?? "?", after ?? "?");
        return after == "Open" ? CommandResults.Failure("The trial failed: the database still does not answer, the breaker is open again.") : CommandResults.Success();
    }
}
