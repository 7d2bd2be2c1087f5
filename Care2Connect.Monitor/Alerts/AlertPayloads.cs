using System.Text.Json;
using Care2Connect.Monitor.Checks;

namespace Care2Connect.Monitor.Alerts;

/// <summary>The two bodies a webhook can receive.</summary>
internal static class AlertPayloads
{
    public const string Source = "care2connect-monitor";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// <c>{ "kind": "down", "component": "api-liveness", "state": "down", "since": "…", "at": "…",
    /// "fault": "origin-down", "message": "…", "source": "care2connect-monitor" }</c>.
    /// </summary>
    public static string Json(Alert alert) => JsonSerializer.Serialize(
        new JsonBody(alert.Kind, alert.Component, alert.State, alert.Since, alert.At, alert.Fault, alert.Message, Source),
        Options);

    /// <summary>
    /// A Slack incoming-webhook message: a plain <c>text</c> (the notification's preview) and one mrkdwn section.
    /// Slack reads <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> as markup, so they are escaped in both.
    /// </summary>
    public static string Slack(Alert alert)
    {
        var text = SlackEscape($"{AlertTexts.Title(alert.Kind)}: {alert.Message}");
        var section = $"*{SlackEscape(AlertTexts.Title(alert.Kind))}* · `{SlackEscape(alert.Component)}`\n{SlackEscape(alert.Message)}";
        return JsonSerializer.Serialize(new SlackBody(text, [new SlackBlock("section", new SlackText("mrkdwn", section))]), Options);
    }

    public static string SlackEscape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);

    private sealed record JsonBody(
        AlertKind Kind,
        string Component,
        ComponentState State,
        DateTimeOffset? Since,
        DateTimeOffset At,
        Fault Fault,
        string Message,
        string Source);

    private sealed record SlackBody(string Text, IReadOnlyList<SlackBlock> Blocks);

    private sealed record SlackBlock(string Type, SlackText Text);

    private sealed record SlackText(string Type, string Text);
}
