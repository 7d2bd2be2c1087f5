using System.Text.Json;

namespace Care2Connect.Tests.Infrastructure;

/// <summary>Reading the Monitor's <c>GET /api/status</c>: components, transitions (from its history), faults.</summary>
public static class MonitorStatus
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(45);

    /// <summary>Polls the status until the condition holds, and returns the status that satisfied it.</summary>
    public static async Task<JsonElement> WaitForAsync(HttpClient monitor, Func<JsonElement, bool> condition, string because, TimeSpan? timeout = null)
    {
        JsonElement last = default;
        await Eventually.HoldsAsync(
            async () =>
            {
                try
                {
                    last = await monitor.GetFromJsonAsync<JsonElement>("/api/status");
                    return condition(last);
                }
                catch (TaskCanceledException)
                {
                    // A Monitor that is (re)starting: the proxy holds the connection until the client gives up.
                    return false;
                }
            },
            because,
            timeout ?? DefaultTimeout);
        return last;
    }

    public static string? State(JsonElement status, string component) =>
        status.GetProperty("components").EnumerateArray().FirstOrDefault(c => Text(c, "name") == component) is { ValueKind: JsonValueKind.Object } found
            ? Text(found, "state")
            : null;

    public static DateTimeOffset Since(JsonElement status, string component) =>
        status.GetProperty("components").EnumerateArray().First(c => Text(c, "name") == component).GetProperty("since").GetDateTimeOffset();

    /// <summary>A component's transitions at or after <paramref name="since"/>, oldest first.</summary>
    public static List<JsonElement> Transitions(JsonElement status, string component, DateTimeOffset since) =>
        [.. status.GetProperty("transitions").EnumerateArray()
            .Where(t => Text(t, "component") == component && t.GetProperty("at").GetDateTimeOffset() >= since)
            .OrderBy(t => t.GetProperty("at").GetDateTimeOffset())];

    public static string? Text(JsonElement element, string property) => element.GetProperty(property).GetString();
}
