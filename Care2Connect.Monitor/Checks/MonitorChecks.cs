using System.Net.Http.Json;
using System.Text.Json;

namespace Care2Connect.Monitor.Checks;

/// <summary>
/// What one run of a check saw: an observation per component, and, from the API's detailed status, the report itself,
/// which the recovery decision reads.
/// </summary>
internal sealed record CheckResult(IReadOnlyList<Observation> Observations, ApiStatusReport? ApiReport = null);

/// <summary>One thing the Monitor probes on a schedule; a run yields one observation per component it sees.</summary>
internal abstract class MonitorCheck(string name, TimeSpan interval, TimeSpan timeout, int failuresBeforeDown, int successesBeforeUp)
{
    public string Name => name;

    public TimeSpan Interval => interval;

    public TimeSpan Timeout => timeout;

    public int FailuresBeforeDown => failuresBeforeDown;

    public int SuccessesBeforeUp => successesBeforeUp;

    public abstract Task<CheckResult> RunAsync(HttpClient client, TimeProvider time, CancellationToken cancellationToken);

    /// <summary>A short, safe summary of a failure: never a response body, never a header.</summary>
    protected static string Describe(Exception exception, bool timedOut, TimeSpan timeout) =>
        timedOut ? $"no answer within {timeout.TotalSeconds:0.#} s" : exception switch
        {
            HttpRequestException { HttpRequestError: var error } => $"unreachable ({error})",
            _ => exception.GetType().Name,
        };
}

/// <summary>GET a URL; up when the status code passes <paramref name="isUp"/>.</summary>
internal sealed class HttpCheck(
    string name,
    string component,
    Uri url,
    Func<int, bool> isUp,
    TimeSpan interval,
    TimeSpan timeout,
    int failuresBeforeDown,
    int successesBeforeUp) : MonitorCheck(name, interval, timeout, failuresBeforeDown, successesBeforeUp)
{
    public Uri Url => url;

    public static bool Is2xx(int status) => status is >= 200 and < 300;

    /// <summary>The public site: anything the origin answers (even 404) proves edge, tunnel and origin work; 5xx and
    /// Cloudflare's 52x/530 do not.</summary>
    public static bool Below500(int status) => status < 500;

    public override async Task<CheckResult> RunAsync(HttpClient client, TimeProvider time, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(Timeout);
        var started = time.GetTimestamp();
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, bounded.Token);
            var latency = Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 1);
            var status = (int)response.StatusCode;
            return new CheckResult([new Observation(component, time.GetUtcNow(), isUp(status), latency, isUp(status) ? null : $"answered {status}")]);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new CheckResult([new Observation(component, time.GetUtcNow(), false, null, Describe(exception, bounded.IsCancellationRequested, Timeout))]);
        }
    }
}

/// <summary>
/// The API's <c>/health/status</c> with the admin key: one observation for the call itself (<c>api-status</c>) and
/// one per component the API reports (<c>database</c>, <c>database-circuit-breaker</c>, ...): healthy and degraded
/// are up, unhealthy is down, unknown is not an observation. The report goes with them, for the recovery decision.
/// </summary>
internal sealed class ApiStatusCheck(
    Uri url,
    string? adminKey,
    TimeSpan interval,
    TimeSpan timeout,
    int failuresBeforeDown,
    int successesBeforeUp) : MonitorCheck(CheckName, interval, timeout, failuresBeforeDown, successesBeforeUp)
{
    public const string CheckName = "api-status";

    public override async Task<CheckResult> RunAsync(HttpClient client, TimeProvider time, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(Timeout);
        var started = time.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (!string.IsNullOrEmpty(adminKey))
            {
                request.Headers.Add("X-Api-Key", adminKey);
            }

            using var response = await client.SendAsync(request, bounded.Token);
            var latency = Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 1);
            var now = time.GetUtcNow();
            if (!response.IsSuccessStatusCode)
            {
                return new CheckResult([new Observation(CheckName, now, false, latency, $"answered {(int)response.StatusCode}")]);
            }

            var body = await response.Content.ReadFromJsonAsync(ChecksJson.Default.JsonElement, bounded.Token);
            var report = ApiStatusReport.Parse(body);
            List<Observation> observations = [new Observation(CheckName, now, true, latency, null)];
            foreach (var component in report.Components.Where(c => c.Status != "unknown"))
            {
                var up = component.Status is "healthy" or "degraded";
                observations.Add(new Observation(component.Name, now, up, component.LatencyMs, up ? null : Truncate(component.Error ?? component.Status)));
            }

            return new CheckResult(observations, report);
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // No report: the API did not answer, so there is no recovery to ask it for.
            return new CheckResult([new Observation(CheckName, time.GetUtcNow(), false, null, Describe(exception, bounded.IsCancellationRequested, Timeout))]);
        }
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200];
}

internal sealed record ApiComponentReport(string Name, string Status, bool Critical, double? LatencyMs, string? Error);

internal sealed record ApiStatusReport(string Status, IReadOnlyList<ApiComponentReport> Components)
{
    /// <summary>Reads the admin view (a component array) or the anonymous one (a name → status object).</summary>
    public static ApiStatusReport Parse(JsonElement body)
    {
        var status = body.GetProperty("status").GetString() ?? "unknown";
        var components = body.GetProperty("components");
        List<ApiComponentReport> list = components.ValueKind == JsonValueKind.Array
            ? [.. components.EnumerateArray().Select(c => new ApiComponentReport(
                c.GetProperty("name").GetString()!,
                c.GetProperty("status").GetString() ?? "unknown",
                c.TryGetProperty("critical", out var critical) && critical.ValueKind == JsonValueKind.True,
                c.TryGetProperty("latencyMs", out var latency) && latency.ValueKind == JsonValueKind.Number ? latency.GetDouble() : null,
                c.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String ? error.GetString() : null))]
            : [.. components.EnumerateObject().Select(c => new ApiComponentReport(c.Name, c.Value.GetString() ?? "unknown", false, null, null))];
        return new ApiStatusReport(status, list);
    }
}

/// <summary>Free space where the data lives.</summary>
internal sealed class DiskCheck(string path, double minFreePercent, TimeSpan interval, TimeSpan timeout, int failuresBeforeDown, int successesBeforeUp)
    : MonitorCheck(CheckName, interval, timeout, failuresBeforeDown, successesBeforeUp)
{
    public const string CheckName = "disk";

    public override Task<CheckResult> RunAsync(HttpClient client, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        Observation observation;
        try
        {
            var drive = new DriveInfo(ExistingAncestor(path));
            var freePercent = drive.TotalSize > 0 ? 100.0 * drive.AvailableFreeSpace / drive.TotalSize : 0;
            var latency = Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 1);
            observation = freePercent >= minFreePercent
                ? new Observation(CheckName, time.GetUtcNow(), true, latency, null)
                : new Observation(CheckName, time.GetUtcNow(), false, latency, $"{freePercent:0.#} % free, below {minFreePercent:0.#} %");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            observation = new Observation(CheckName, time.GetUtcNow(), false, null, exception.GetType().Name);
        }

        return Task.FromResult(new CheckResult([observation]));
    }

    private static string ExistingAncestor(string path)
    {
        var current = Path.GetFullPath(path);
        while (!Directory.Exists(current) && Path.GetDirectoryName(current) is { } parent)
        {
            current = parent;
        }

        return current;
    }
}
