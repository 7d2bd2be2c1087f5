using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Care2Connect.Monitor.History;
using MimeKit;

namespace Care2Connect.Monitor.Alerts;

/// <summary>What each channel receives: the webhook bodies (JSON, Slack, Discord) and the email.</summary>
internal static partial class AlertPayloads
{
    public const string Source = "care2connect-monitor";


    /// <summary>
    /// <c>{ "kind": "down", "component": "api-liveness", "state": "down", "since": "…", "at": "…",
    /// "fault": "origin-down", "message": "…", "source": "care2connect-monitor" }</c>.
    /// </summary>
    public static string Json(Alert alert) => JsonSerializer.Serialize(
        new JsonBody(alert.Kind, alert.Component, alert.State, alert.Since, alert.At, alert.Fault, alert.Message, Source),
        PayloadJson.Default.JsonBody);

    /// <summary>
    /// A Slack incoming-webhook message: a plain <c>text</c> (the notification's preview) and one mrkdwn section.
    /// Slack reads <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> as markup, so they are escaped in both.
    /// </summary>
    public static string Slack(Alert alert)
    {
        var text = SlackEscape($"{AlertTexts.Title(alert.Kind)}: {alert.Message}");
        var section = $"*{SlackEscape(AlertTexts.Title(alert.Kind))}* · `{SlackEscape(alert.Component)}`\n{SlackEscape(alert.Message)}";
        return JsonSerializer.Serialize(new SlackBody(text, [new SlackBlock("section", new SlackText("mrkdwn", section))]), PayloadJson.Default.SlackBody);
    }

    /// <summary>
    /// A Discord webhook message as Discord documents it: <c>content</c> (the notification's text, at most 2000
    /// characters) and one embed (title, description, colour, timestamp, fields, footer). <c>allowed_mentions</c>
    /// with nothing to parse, so an "@everyone" in an error text pings nobody; Markdown characters are escaped.
    /// </summary>
    public static string Discord(Alert alert)
    {
        var title = AlertTexts.Title(alert.Kind);
        var message = DiscordEscape(alert.Message);
        var fields = new List<DiscordField>
        {
            new("Component", DiscordEscape(alert.Component), true),
            new("State", AlertTexts.State(alert.State), true),
        };
        if (alert.Since is { } since)
        {
            fields.Add(new("Since", AlertTexts.Clock(since, alert.At), true));
        }

        if (alert.Fault != Fault.None)
        {
            fields.Add(new("Likely fault", Words.Of(alert.Fault), true));
        }

        var embed = new DiscordEmbed(
            Truncate($"{title} · {alert.Component}", 256),
            Truncate(message, 4096),
            alert.Kind == AlertKind.Up ? ColourResolved : alert.Kind == AlertKind.Reminder ? ColourStillDown : ColourDown,
            alert.At,
            fields,
            new DiscordFooter(Source));
        return JsonSerializer.Serialize(
            new DiscordBody(Truncate($"**{title}**: {message}", 2000), [embed], new DiscordMentions([])),
            PayloadJson.Default.DiscordBody);
    }

    /// <summary>
    /// The email: subject "<c>[Care2Connect] DOWN: api-liveness</c>", a plain-text body with the message, then the
    /// component, state, since, time, likely fault and where the runbook explains the alert.
    /// </summary>
    public static MimeMessage Email(Alert alert, AlertEmail email)
    {
        var message = new MimeMessage { Date = alert.At };
        message.From.Add(MailboxAddress.Parse(email.From!));
        message.To.AddRange(email.To.Select(MailboxAddress.Parse));
        message.Subject = $"{email.SubjectPrefix} {AlertTexts.Title(alert.Kind)}: {alert.Component}".Trim();

        var body = new StringBuilder()
            .AppendLine(alert.Message)
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Component:    {alert.Component}")
            .AppendLine(CultureInfo.InvariantCulture, $"State:        {AlertTexts.State(alert.State)}");
        if (alert.Since is { } since)
        {
            body.AppendLine(CultureInfo.InvariantCulture, $"Since:        {since.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z");
        }

        body.AppendLine(CultureInfo.InvariantCulture, $"At:           {alert.At.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z")
            .AppendLine(CultureInfo.InvariantCulture, $"Likely fault: {Words.Of(alert.Fault)}")
            .AppendLine(CultureInfo.InvariantCulture, $"Alert:        {AlertTexts.Name(alert.Kind)}")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Sent by {Source}. What this alert means and what to do: docs/OPERATIONS.md, section \"Alerts\".");
        message.Body = new TextPart("plain") { Text = body.ToString() };
        return message;
    }

    public static string DiscordEscape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '\\' or '*' or '_' or '~' or '`' or '|' or '>')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    public static string SlackEscape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>The webhook bodies' serialization, generated at build time (web defaults: camelCase).</summary>
    [JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
    [JsonSerializable(typeof(JsonBody))]
    [JsonSerializable(typeof(SlackBody))]
    [JsonSerializable(typeof(DiscordBody))]
    private sealed partial class PayloadJson : JsonSerializerContext;

    private sealed record JsonBody(
        AlertKind Kind,
        string Component,
        ComponentState State,
        DateTimeOffset? Since,
        DateTimeOffset At,
        Fault Fault,
        string Message,
        string Source);

    private const int ColourDown = 0xD1242F;
    private const int ColourStillDown = 0xBC4C00;
    private const int ColourResolved = 0x1A7F37;

    private static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");

    private sealed record DiscordBody(
        string Content,
        IReadOnlyList<DiscordEmbed> Embeds,
        [property: JsonPropertyName("allowed_mentions")] DiscordMentions AllowedMentions);

    private sealed record DiscordEmbed(string Title, string Description, int Color, DateTimeOffset Timestamp, IReadOnlyList<DiscordField> Fields, DiscordFooter Footer);

    private sealed record DiscordField(string Name, string Value, bool Inline);

    private sealed record DiscordFooter(string Text);

    private sealed record DiscordMentions(IReadOnlyList<string> Parse);

    private sealed record SlackBody(string Text, IReadOnlyList<SlackBlock> Blocks);

    private sealed record SlackBlock(string Type, SlackText Text);

    private sealed record SlackText(string Type, string Text);
}
