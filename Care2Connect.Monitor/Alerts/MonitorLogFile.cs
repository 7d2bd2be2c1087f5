using System.Collections.Concurrent;
using Care2Connect.Logging;
using Microsoft.Extensions.Options;

namespace Care2Connect.Monitor.Alerts;

/// <summary>Where <c>system-monitor.log</c> goes (section <c>Monitor</c>).</summary>
internal sealed class MonitorLogFileOptions
{
    public const string Section = "Monitor";

    /// <summary>Empty: <c>/var/log/care2connect</c> as root, else <c>~/.local/state/care2connect/logs</c> (as the AppHost's <c>supervisor.log</c>).</summary>
    public string? LogDirectory { get; set; }
}

/// <summary>
/// <c>system-monitor.log</c>, in the original system's line format (<see cref="DailyLogFile"/>): transitions (WARN for
/// DOWN, INFO otherwise), the first failed check of a streak (later ones would bury everything else), recovery
/// requests, and alerts raised, suppressed, delivered or given up on. Structured logs go through OpenTelemetry as
/// everywhere; this file is for the operators who grep. A write that fails is logged once and never thrown.
/// </summary>
internal sealed class MonitorLogFile(IOptions<MonitorLogFileOptions> options, TimeProvider time, ILogger<MonitorLogFile> logger) : IMonitorSink
{
    public const string Name = "system-monitor";

    private readonly DailyLogFile _file = new(
        options.Value.LogDirectory is { Length: > 0 } configured ? configured : LogDirectories.Default,
        Name,
        time);

    private readonly ConcurrentDictionary<string, bool> _failing = new(StringComparer.OrdinalIgnoreCase);
    private int _writeFailing;

    public string CurrentPath => _file.CurrentPath;

    public ValueTask OnObservationAsync(Observation observation, CancellationToken cancellationToken)
    {
        if (observation.Success)
        {
            _failing.TryRemove(observation.Component, out _);
        }
        else if (_failing.TryAdd(observation.Component, true))
        {
            Write("WARN", $"{observation.Component}: check failed: {observation.Error ?? "no detail"}");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask OnTransitionAsync(Transition transition, CancellationToken cancellationToken)
    {
        var reason = string.IsNullOrWhiteSpace(transition.Reason) ? "" : $": {transition.Reason}";
        Write(
            transition.To == ComponentState.Down ? "WARN" : "INFO",
            $"{transition.Component}: {AlertTexts.State(transition.From)} -> {AlertTexts.State(transition.To)}{reason}{AlertTexts.FaultText(transition.Fault)}");
        return ValueTask.CompletedTask;
    }

    public ValueTask OnRecoveryRequestAsync(RecoveryRequestRecord request, CancellationToken cancellationToken)
    {
        var status = request.StatusCode is { } code ? $" (HTTP {code})" : "";
        var summary = string.IsNullOrWhiteSpace(request.Summary) ? "" : $": {request.Summary}";
        Write(
            request.Outcome is "failed" or "error" ? "WARN" : "INFO",
            $"recovery requested for {string.Join(", ", request.Components)} ({request.Reason}): {request.Outcome}{status}{summary}");
        return ValueTask.CompletedTask;
    }

    /// <summary>The dispatcher writes every alert's line (raised or suppressed), the engine's included.</summary>
    public ValueTask OnAlertAsync(Alert alert, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public void AlertRaised(Alert alert) => Write("INFO", $"alert {AlertTexts.Name(alert.Kind)}: {alert.Message}");

    public void AlertSuppressed(Alert alert) =>
        Write("INFO", $"alert {AlertTexts.Name(alert.Kind)} not sent (maintenance): {alert.Message}");

    public void AlertDelivered(Alert alert, string host, int attempt) =>
        Write("INFO", $"alert {AlertTexts.Name(alert.Kind)} for {alert.Component} sent to {host} (attempt {attempt})");

    public void AlertUndelivered(Alert alert, string host, int attempts, string failure) =>
        Write("WARN", $"alert {AlertTexts.Name(alert.Kind)} for {alert.Component} not delivered to {host} after {attempts} attempts: {failure}");

    private void Write(string level, string message)
    {
        try
        {
            _file.Write(level, message.ReplaceLineEndings(" "));
            Volatile.Write(ref _writeFailing, 0);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or NotSupportedException or System.Security.SecurityException)
        {
            if (Interlocked.Exchange(ref _writeFailing, 1) == 0)
            {
                Log.LogFileFailed(logger, _file.CurrentPath, exception);
            }
        }
    }
}
