using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Care2Connect.AppHost.Recovery;

/// <summary>The API's "Recover now" dashboard command.</summary>
public static class RecoverNowCommandExtensions
{
    /// <summary>The command's name, for <c>ResourceCommandService</c> callers.</summary>
    public const string CommandName = "recover-now";

    /// <summary>
    /// Adds "Recover now" to the API: after a confirmation it posts to <c>/health/recover</c> on the given endpoint with
    /// the admin key (read from its secret parameter at the moment of the call, never shown) and trigger
    /// <c>dashboard</c>. The outcome is the command's result, and the attempt's summary goes to the API's console log.
    /// </summary>
    /// <param name="api">The API.</param>
    /// <param name="adminKey">The <c>admin-key</c> parameter.</param>
    /// <param name="endpointName">The endpoint that serves <c>/health/*</c>.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<ProjectResource> WithRecoverNowCommand(
        this IResourceBuilder<ProjectResource> api,
        IResourceBuilder<ParameterResource> adminKey,
        string endpointName) =>
        api.WithHttpCommand(
            "/health/recover",
            "Recover now",
            endpointName,
            CommandName,
            new HttpCommandOptions
            {
                Description = "Probe every component of the API and run the recovery action of each unhealthy one (5-minute cooldown).",
                ConfirmationMessage = "Run recovery now? Unhealthy components get their recovery action; each is probed again to verify it.",
                IconName = "ArrowSync",
                IsHighlighted = true,
                PrepareRequest = async context =>
                {
                    var key = await adminKey.Resource.GetValueAsync(context.CancellationToken).ConfigureAwait(false);
                    context.Request.Headers.Add("X-Api-Key", key);
                    context.Request.Headers.Add("X-Recovery-Trigger", "dashboard");
                    context.Request.Content = JsonContent.Create(new { reason = "Recover now, from the dashboard" });
                },
                GetCommandResult = ReportAsync,
            });

    private static async Task<ExecuteCommandResult> ReportAsync(HttpCommandResultContext context)
    {
        using var response = context.Response;
        var logger = context.Services.GetRequiredService<ResourceLoggerService>().GetLogger(context.ResourceName);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            var wait = response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) ?? "?";
            return CommandResults.Failure($"Recovery is cooling down: the last attempt was recent. Try again in {wait} s.");
        }

        if (!response.IsSuccessStatusCode)
        {
            return CommandResults.Failure($"The API answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }

        var body = await response.Content.ReadFromJsonAsync<JsonElement>(context.CancellationToken).ConfigureAwait(false);
        var attempt = body.GetProperty("attempt");
        var outcome = attempt.GetProperty("outcome").GetString();
        var summary = attempt.GetProperty("summary").GetString();
        Log.RecoverNowFinished(logger, outcome ?? "unknown", summary ?? string.Empty, attempt.GetProperty("id").GetGuid());
        return outcome == "failed"
            ? CommandResults.Failure($"Recovery failed: {summary}")
            : CommandResults.Success();
    }
}
