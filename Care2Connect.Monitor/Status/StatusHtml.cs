using System.Globalization;
using Care2Connect.Monitor.History;

namespace Care2Connect.Monitor.Status;

/// <summary>
/// The status page: tiles per component, 24 hourly uptime bars, a response-time sparkline, recent incidents and
/// recovery requests. Colour is never the only signal: every state is also a word, every bar has a title.
/// </summary>
internal static class StatusHtml
{
    public const string StylesheetPath = "/status.css";
    public const int RefreshSeconds = 30;

    private const int ChartWidth = 240;
    private const int BarsHeight = 32;
    private const int BarStep = ChartWidth / HistoryStore.HoursPerDay;
    private const int BarGap = 2;
    private const int SparkHeight = 40;
    private const int SparkPadding = 2;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Stylesheet { get; } = LoadStylesheet();

    public static string Render(StatusReport report)
    {
        var html = new HtmlWriter();
        html.Markup("<!DOCTYPE html>").Line()
            .Open("html", ("lang", "en")).Line()
            .Open("head").Line()
            .Open("meta", ("charset", "utf-8")).Line()
            .Open("meta", ("name", "viewport"), ("content", "width=device-width, initial-scale=1")).Line()
            .Open("meta", ("http-equiv", "refresh"), ("content", RefreshSeconds.ToString(Invariant))).Line()
            .Open("meta", ("name", "robots"), ("content", "noindex")).Line()
            .Element("title", $"Care2Connect status: {Verdict(report.Status)}").Line()
            .Open("link", ("rel", "stylesheet"), ("href", StylesheetPath)).Line()
            .Close("head").Line()
            .Open("body").Line();

        html.Open("header", ("class", $"overall overall-{report.Status}"))
            .Element("h1", "Care2Connect status")
            .Element("p", Verdict(report.Status), ("class", "verdict"))
            .Open("p", ("class", "checked")).Text("Checked ").Time(report.CheckedAt)
            .Text($". This page refreshes every {RefreshSeconds} seconds.").Close("p")
            .Close("header").Line()
            .Open("main").Line();

        WriteBanners(html, report);
        WriteComponents(html, report);
        WriteIncidents(html, report);
        WriteRecoveryRequests(html, report);

        html.Close("main").Line()
            .Open("footer").Open("p").Text("Machine-readable: ").Element("a", "/api/status", ("href", "/api/status")).Close("p").Close("footer").Line()
            .Close("body").Line()
            .Close("html").Line();
        return html.ToString();
    }

    private static void WriteBanners(HtmlWriter html, StatusReport report)
    {
        if (report.Maintenance.Active)
        {
            html.Open("section", ("class", "banner maintenance"), ("aria-label", "Maintenance"))
                .Element("h2", "Maintenance")
                .Open("p").Text("On");
            if (report.Maintenance.Since is { } since)
            {
                html.Text(" since ").Time(since);
            }

            html.Text(report.Maintenance.Reason is { Length: > 0 } reason ? $": {reason}. " : ". ")
                .Text("The Monitor keeps checking but takes no action and sends no alerts.")
                .Close("p").Close("section").Line();
        }

        if (report.Fault != Fault.None)
        {
            html.Open("section", ("class", "banner fault"), ("aria-label", "Fault"))
                .Open("h2").Text("Fault: ").Element("strong", Words.Of(report.Fault)).Close("h2")
                .Element("p", Explain(report.Fault))
                .Close("section").Line();
        }

        if (!report.HistoryAvailable)
        {
            html.Element("p", "History is unavailable: uptime, charts and incidents are missing below.", ("class", "banner notice")).Line();
        }
    }

    private static void WriteComponents(HtmlWriter html, StatusReport report)
    {
        html.Open("section", ("aria-labelledby", "components-title"))
            .Element("h2", "Components", ("id", "components-title"));
        if (report.Components.Count == 0)
        {
            html.Element("p", "No component has been checked yet.").Close("section").Line();
            return;
        }

        html.Open("ul", ("class", "tiles")).Line();
        foreach (var component in report.Components)
        {
            var live = component.Live;
            var state = Words.Of(live.State);
            html.Open("li", ("class", $"tile state-{state}"))
                .Element("h3", live.Name)
                .Open("p", ("class", "state")).Element("span", state.ToUpperInvariant(), ("class", "badge"));
            if (live.Since is { } since)
            {
                html.Text(" since ").Time(since).Text($" ({Duration(report.CheckedAt - since)})");
            }

            html.Close("p")
                .Open("dl")
                .Pair("Check", live.Check)
                .Pair("Response time", live.LastLatencyMs is { } latency ? Milliseconds(latency) : "–")
                .Pair("Last checked", live.LastCheckedAt is { } checkedAt ? $"{Duration(report.CheckedAt - checkedAt)} ago" : "not yet")
                .Pair("Uptime 24 h", Percent(component.Uptime24h))
                .Pair("Uptime 7 d", Percent(component.Uptime7d));
            if (live.LastError is { Length: > 0 } error)
            {
                html.Pair("Last error", error);
            }

            if (live.AutoRecoveryPaused)
            {
                html.Pair("Automatic recovery", "paused: it was needed too often");
            }

            html.Close("dl");
            WriteBars(html, component.Hours);
            WriteSparkline(html, component.Latencies);
            html.Close("li").Line();
        }

        html.Close("ul").Close("section").Line();
    }

    private static void WriteBars(HtmlWriter html, IReadOnlyList<HourBucket> hours)
    {
        html.Open("figure", ("class", "chart"))
            .Element("figcaption", "Uptime per hour, last 24 hours");
        if (hours.Count == 0)
        {
            html.Element("p", "No observations in the last 24 hours.", ("class", "empty")).Close("figure");
            return;
        }

        var observed = hours.Where(hour => hour.Uptime is not null).ToList();
        var summary = observed.Count == 0
            ? "no observations"
            : $"{observed.Count(hour => hour.Uptime == 1)} of {observed.Count} observed hours fully up";
        html.Open("svg", ("class", "bars"), ("viewBox", $"0 0 {ChartWidth} {BarsHeight}"), ("preserveAspectRatio", "none"), ("role", "img"), ("aria-label", $"Uptime per hour: {summary}"));
        for (var index = 0; index < hours.Count; index++)
        {
            var hour = hours[index];
            var label = hour.Uptime is { } uptime
                ? $"{hour.Start.ToString("HH:mm", Invariant)} UTC: {Percent(uptime)} up over {Checks(hour.Observations)}"
                  + (hour.MeanLatencyMs is { } mean ? $", mean {Milliseconds(mean)}" : string.Empty)
                : $"{hour.Start.ToString("HH:mm", Invariant)} UTC: no checks";
            html.Open("rect", ("class", BarClass(hour.Uptime)), ("x", (index * BarStep).ToString(Invariant)), ("y", "0"), ("width", (BarStep - BarGap).ToString(Invariant)), ("height", BarsHeight.ToString(Invariant)))
                .Element("title", label)
                .Close("rect");
        }

        html.Close("svg").Close("figure");
    }

    private static void WriteSparkline(HtmlWriter html, IReadOnlyList<LatencySample> samples)
    {
        html.Open("figure", ("class", "chart"))
            .Element("figcaption", samples.Count == 0 ? "Response time" : $"Response time, last {Checks(samples.Count)} that succeeded");
        if (samples.Count == 0)
        {
            html.Element("p", "No response times in the last 24 hours.", ("class", "empty")).Close("figure");
            return;
        }

        var max = Math.Max(samples.Max(sample => sample.LatencyMs), 1);
        var points = samples.Count == 1
            ? $"0,{Y(samples[0].LatencyMs)} {ChartWidth},{Y(samples[0].LatencyMs)}"
            : string.Join(' ', samples.Select((sample, index) => $"{Number((double)index * ChartWidth / (samples.Count - 1))},{Y(sample.LatencyMs)}"));
        var label = $"Response time: latest {Milliseconds(samples[^1].LatencyMs)}, lowest {Milliseconds(samples.Min(sample => sample.LatencyMs))}, highest {Milliseconds(max)}";
        html.Open("svg", ("class", "spark"), ("viewBox", $"0 0 {ChartWidth} {SparkHeight}"), ("preserveAspectRatio", "none"), ("role", "img"), ("aria-label", label))
            .Element("title", label)
            .Open("polyline", ("points", points), ("vector-effect", "non-scaling-stroke"))
            .Close("polyline")
            .Close("svg")
            .Close("figure");

        string Y(double latency) => Number(SparkHeight - SparkPadding - (latency / max * (SparkHeight - (2 * SparkPadding))));
    }

    private static void WriteIncidents(HtmlWriter html, StatusReport report)
    {
        html.Open("section", ("aria-labelledby", "incidents-title"))
            .Element("h2", "Recent incidents", ("id", "incidents-title"));
        if (report.Transitions.Count == 0)
        {
            html.Element("p", "None recorded.", ("class", "empty")).Close("section").Line();
            return;
        }

        html.Open("ol", ("class", "events")).Line();
        foreach (var transition in report.Transitions)
        {
            html.Open("li", ("class", $"state-{Words.Of(transition.To)}"))
                .Time(transition.At).Text(" ")
                .Element("strong", transition.Component).Text(" ")
                .Element("span", $"{Words.Of(transition.From)} → {Words.Of(transition.To)}".ToUpperInvariant(), ("class", "badge"))
                .Text($" {transition.Reason}");
            if (transition.Fault != Fault.None)
            {
                html.Text(" (fault: ").Element("strong", Words.Of(transition.Fault)).Text(")");
            }

            html.Close("li").Line();
        }

        html.Close("ol").Close("section").Line();
    }

    private static void WriteRecoveryRequests(HtmlWriter html, StatusReport report)
    {
        html.Open("section", ("aria-labelledby", "recovery-title"))
            .Element("h2", "Recovery requests", ("id", "recovery-title"));
        if (report.RecoveryRequests.Count == 0)
        {
            html.Element("p", "None recorded.", ("class", "empty")).Close("section").Line();
            return;
        }

        html.Open("ol", ("class", "events")).Line();
        foreach (var request in report.RecoveryRequests)
        {
            html.Open("li", ("class", $"outcome-{request.Outcome}"))
                .Time(request.At).Text(" ")
                .Element("strong", string.Join(", ", request.Components)).Text(" ")
                .Element("span", request.Outcome.ToUpperInvariant(), ("class", "badge"))
                .Text(request.StatusCode is { } code ? $" HTTP {code.ToString(Invariant)}" : string.Empty)
                .Text($" {request.Reason}")
                .Text(request.Summary is { Length: > 0 } summary ? $": {summary}" : string.Empty)
                .Close("li").Line();
        }

        html.Close("ol").Close("section").Line();
    }

    private static HtmlWriter Time(this HtmlWriter html, DateTimeOffset at) =>
        html.Element("time", Timestamp(at), ("datetime", at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", Invariant)));

    private static HtmlWriter Pair(this HtmlWriter html, string term, string value) =>
        html.Open("div").Element("dt", term).Element("dd", value).Close("div");

    private static string Verdict(string status) => status switch
    {
        "up" => "All systems up",
        "down" => "Down",
        _ => "Degraded",
    };

    private static string Explain(Fault fault) => fault switch
    {
        Fault.OriginDown => "The API (the origin) is not answering.",
        Fault.TunnelDown => "The tunnel (cloudflared) is down: the API may be fine but is unreachable from outside.",
        Fault.EdgeOrDns => "Everything local is fine, but the public address still fails: the edge or DNS.",
        _ => string.Empty,
    };

    private static string BarClass(double? uptime) => uptime switch
    {
        null => "bar bar-none",
        >= 1 => "bar bar-up",
        >= 0.9 => "bar bar-partial",
        _ => "bar bar-down",
    };

    private static string Timestamp(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", Invariant);

    // Floored: 99.999 % must not read as 100 %.
    private static string Percent(double? fraction) =>
        fraction is { } value ? (Math.Floor(value * 10_000) / 100).ToString("0.##", Invariant) + "%" : "–";

    private static string Milliseconds(double value) => value.ToString(value < 10 ? "0.#" : "0", Invariant) + " ms";

    private static string Checks(int count) => count == 1 ? "1 check" : $"{count.ToString(Invariant)} checks";

    private static string Number(double value) => value.ToString("0.#", Invariant);

    private static string Duration(TimeSpan span) => span switch
    {
        { TotalMinutes: < 1 } => "under a minute",
        { TotalHours: < 1 } => $"{span.Minutes} min",
        { TotalDays: < 1 } => $"{span.Hours} h {span.Minutes} min",
        _ => $"{(int)span.TotalDays} d {span.Hours} h",
    };

    private static string LoadStylesheet()
    {
        using var stream = typeof(StatusHtml).Assembly.GetManifestResourceStream("Care2Connect.Monitor.Status.status.css")
            ?? throw new InvalidOperationException("The status page stylesheet is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
