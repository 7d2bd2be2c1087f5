using System.Globalization;

namespace Care2Connect.Monitor.Alerts;

/// <summary>
/// The words of alerts: every message names the component, its state, since when, and the likely fault when the
/// Monitor names one ("api-liveness is DOWN since 12:01:02Z — likely fault: origin down (the API is not answering)").
/// </summary>
internal static class AlertTexts
{
    public static Alert Down(Transition transition) => new(
        AlertKind.Down,
        transition.Component,
        transition.At,
        string.Create(CultureInfo.InvariantCulture, $"{transition.Component} is DOWN since {Clock(transition.At, transition.At)}{Reason(transition.Reason)}{FaultText(transition.Fault)}"),
        transition.Fault,
        ComponentState.Down,
        transition.At);

    public static Alert Up(Transition transition, DateTimeOffset? downSince) => new(
        AlertKind.Up,
        transition.Component,
        transition.At,
        downSince is { } since
            ? $"{transition.Component} is UP again since {Clock(transition.At, transition.At)} (resolved: it was DOWN for {Duration(transition.At - since)}, since {Clock(since, transition.At)})"
            : $"{transition.Component} is UP again since {Clock(transition.At, transition.At)} (resolved)",
        transition.Fault,
        ComponentState.Up,
        transition.At);

    public static Alert Reminder(string component, DateTimeOffset since, Fault fault, DateTimeOffset now) => new(
        AlertKind.Reminder,
        component,
        now,
        $"{component} is still DOWN since {Clock(since, now)} ({Duration(now - since)} so far){FaultText(fault)}",
        fault,
        ComponentState.Down,
        since);

    /// <summary>The kind as on the wire: <c>down</c>, <c>recovery-failed</c>.</summary>
    public static string Name(AlertKind kind) => kind switch
    {
        AlertKind.Down => "down",
        AlertKind.Up => "up",
        AlertKind.Reminder => "reminder",
        AlertKind.Flapping => "flapping",
        AlertKind.RecoveryFailed => "recovery-failed",
        _ => kind.ToString(),
    };

    public static string Title(AlertKind kind) => kind switch
    {
        AlertKind.Down => "DOWN",
        AlertKind.Up => "Resolved",
        AlertKind.Reminder => "Still DOWN",
        AlertKind.Flapping => "Flapping: automatic recovery paused",
        AlertKind.RecoveryFailed => "Recovery failed",
        _ => kind.ToString(),
    };

    public static string State(ComponentState state) => state switch
    {
        ComponentState.Up => "UP",
        ComponentState.Down => "DOWN",
        _ => "UNKNOWN",
    };

    public static string FaultText(Fault fault) => fault switch
    {
        Fault.OriginDown => " — likely fault: origin down (the API is not answering)",
        Fault.TunnelDown => " — likely fault: tunnel down (cloudflared is not connected)",
        Fault.EdgeOrDns => " — likely fault: edge or DNS (everything local answers, the public address does not)",
        _ => "",
    };

    /// <summary>The time of day when it is the same UTC day as <paramref name="now"/>, else the date too.</summary>
    public static string Clock(DateTimeOffset at, DateTimeOffset now) =>
        at.UtcDateTime.Date == now.UtcDateTime.Date
            ? at.UtcDateTime.ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan duration)
    {
        duration = duration < TimeSpan.Zero ? TimeSpan.Zero : duration;
        return duration switch
        {
            { TotalDays: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalDays}d {duration.Hours:00}h"),
            { TotalHours: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{duration.Hours}h {duration.Minutes:00}m"),
            { TotalMinutes: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{duration.Minutes}m {duration.Seconds:00}s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{duration.Seconds}s"),
        };
    }

    private static string Reason(string reason) => string.IsNullOrWhiteSpace(reason) ? "" : $" ({reason})";
}
