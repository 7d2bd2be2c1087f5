using System.Net.Http.Json;
using Care2Connect.Contracts;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Care2Connect.Monitor.Checks;

/// <summary>
/// Asks the API to recover critical components the Monitor sees DOWN while the API itself answers. One POST, never
/// retried (a POST is not safe to repeat, and a 429 is an answer); the Monitor's own cooldown and the API's
/// <c>Retry-After</c> are both honoured; a component that needs recovery too often is flapping: automatic recovery
/// for it pauses and one alert says so. Restarting processes is the supervisor's job, not this one's.
/// </summary>
internal sealed class RecoveryRequester(
    IHttpClientFactory clients,
    IOptions<MonitorOptions> monitor,
    IOptions<MonitorRecoveryOptions> options,
    CheckCatalog catalog,
    MaintenanceState maintenance,
    MonitorEvents events,
    MonitorMetrics metrics,
    TimeProvider time,
    ILogger<RecoveryRequester> logger)
{
    public const string ClientName = "recovery";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<DateTimeOffset>> _needed = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _paused = new(StringComparer.OrdinalIgnoreCase);
    private DateTimeOffset _notBefore = DateTimeOffset.MinValue;

    public bool IsPaused(string component)
    {
        lock (_gate)
        {
            return _paused.Contains(component);
        }
    }

    /// <param name="report">The API's last status report; null when the API did not answer (then nothing is asked).</param>
    /// <param name="stateOf">The Monitor's own verdict per component.</param>
    public async Task ConsiderAsync(ApiStatusReport? report, Func<string, ComponentState> stateOf, Fault fault, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (report is null || !settings.Enabled)
        {
            return;
        }

        var down = report.Components.Where(c => c.Critical && c.Status == "unhealthy" && stateOf(c.Name) == ComponentState.Down).Select(c => c.Name).ToList();
        if (down.Count == 0)
        {
            return;
        }

        if (maintenance.IsActive)
        {
            Log.RecoverySkippedMaintenance(logger, string.Join(", ", down));
            return;
        }

        var now = time.GetUtcNow();
        List<string> wanted;
        List<string> newlyFlapping;
        lock (_gate)
        {
            if (now < _notBefore)
            {
                return;
            }

            newlyFlapping = [];
            foreach (var component in down)
            {
                var times = _needed.TryGetValue(component, out var list) ? list : _needed[component] = [];
                times.RemoveAll(t => t <= now - settings.FlappingWindow);
                if (times.Count >= settings.FlappingThreshold)
                {
                    if (_paused.Add(component))
                    {
                        newlyFlapping.Add(component);
                    }
                }
                else if (_paused.Remove(component))
                {
                    Log.RecoveryResumed(logger, component);
                }
            }

            wanted = [.. down.Where(c => !_paused.Contains(c))];
            if (wanted.Count > 0)
            {
                _notBefore = now + settings.Cooldown;
                foreach (var component in wanted)
                {
                    _needed[component].Add(now);
                }
            }
        }

        foreach (var component in newlyFlapping)
        {
            Log.Flapping(logger, component, settings.FlappingThreshold, settings.FlappingWindow);
            await events.AlertAsync(
                new Alert(
                    AlertKind.Flapping,
                    component,
                    now,
                    $"{component} needed recovery {settings.FlappingThreshold} times within {settings.FlappingWindow.TotalMinutes:0} min: automatic recovery for it is paused",
                    fault,
                    ComponentState.Down,
                    null),
                cancellationToken);
        }

        if (wanted.Count > 0)
        {
            await RequestAsync(wanted, fault, now, cancellationToken);
        }
    }

    private async Task RequestAsync(List<string> components, Fault fault, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var reason = $"monitor: {string.Join(", ", components)} DOWN";
        RecoveryRequestRecord record;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(options.Value.RequestTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(catalog.ApiBase!, RecoverReply.Path))
            {
                Content = JsonContent.Create(new RecoverRequest(reason, components), ChecksJson.Default.RecoverRequest),
            };
            request.Headers.Add("X-Api-Key", monitor.Value.AdminKey ?? string.Empty);
            request.Headers.Add(RecoverReply.TriggerHeader, "monitor");
            using var response = await clients.CreateClient(ClientName).SendAsync(request, bounded.Token);
            record = Record(await RecoverReply.ReadAsync(response, bounded.Token), components, reason, now);
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            record = new RecoveryRequestRecord(now, components, reason, null, "error", null, null, exception.GetType().Name);
        }

        if (record.RetryAfter is { } retryAfter)
        {
            lock (_gate)
            {
                // A 429 is the API's cooldown, not an attempt: come back exactly when it says.
                _notBefore = now + retryAfter;
                foreach (var component in components)
                {
                    _needed[component].Remove(now);
                }
            }
        }

        metrics.RecoveryRequested(record.Outcome);
        Log.RecoveryRequested(logger, string.Join(", ", components), record.Outcome, record.StatusCode ?? 0, record.Summary ?? string.Empty);
        await events.RecoveryRequestedAsync(record, cancellationToken);
        if (record.Outcome is "failed" or "error")
        {
            foreach (var component in components)
            {
                await events.AlertAsync(
                    new Alert(AlertKind.RecoveryFailed, component, now, $"recovery of {component} {record.Outcome}: {record.Summary}", fault, ComponentState.Down, null),
                    cancellationToken);
            }
        }
    }

    private static RecoveryRequestRecord Record(RecoverReply reply, List<string> components, string reason, DateTimeOffset now) => reply.Kind switch
    {
        RecoverReplyKind.CoolingDown => new(now, components, reason, reply.StatusCode, "cooldown", reply.RetryAfter ?? TimeSpan.FromSeconds(60), null, "the API is cooling down"),
        RecoverReplyKind.Attempted => new(now, components, reason, reply.StatusCode, reply.Outcome ?? "error", null, reply.AttemptId, reply.Summary),
        _ => new(now, components, reason, reply.StatusCode, "error", null, null, $"answered {reply.StatusCode}"),
    };
}
