namespace Care2Connect.Monitor;

internal static partial class Log
{
    [LoggerMessage(6003, LogLevel.Error, "No API address is configured (Monitor:Api:BaseAddress or an Aspire reference to 'api'); not probing")]
    public static partial void NoApiAddress(ILogger logger);

    [LoggerMessage(6900, LogLevel.Error, "Monitor sink {Sink} failed; checks go on")]
    public static partial void SinkFailed(ILogger logger, string sink, Exception exception);

    [LoggerMessage(6010, LogLevel.Information, "Checks: {Checks}")]
    public static partial void ChecksStarting(ILogger logger, string checks);

    [LoggerMessage(6011, LogLevel.Warning, "{Component} is DOWN: {Reason} (likely fault: {Fault})")]
    public static partial void ComponentDown(ILogger logger, string component, string reason, string fault);

    [LoggerMessage(6012, LogLevel.Information, "{Component} is UP (was {From})")]
    public static partial void ComponentUp(ILogger logger, string component, string from);

    [LoggerMessage(6013, LogLevel.Error, "Check {Check} threw; it runs again at its next interval")]
    public static partial void CheckFailed(ILogger logger, string check, Exception exception);

    [LoggerMessage(6014, LogLevel.Information, "Restored the last known state of {Count} components")]
    public static partial void StatesRestored(ILogger logger, int count);

    [LoggerMessage(6015, LogLevel.Warning, "Could not restore component states from the history; starting from unknown")]
    public static partial void StatesNotRestored(ILogger logger, Exception exception);

    [LoggerMessage(6020, LogLevel.Warning, "Asked the API to recover {Components}: {Outcome} ({StatusCode}) {Summary}")]
    public static partial void RecoveryRequested(ILogger logger, string components, string outcome, int statusCode, string summary);

    [LoggerMessage(6021, LogLevel.Information, "Maintenance is on: not asking the API to recover {Components}")]
    public static partial void RecoverySkippedMaintenance(ILogger logger, string components);

    [LoggerMessage(6022, LogLevel.Error, "{Component} needed recovery {Threshold} times within {Window}: automatic recovery for it is paused")]
    public static partial void Flapping(ILogger logger, string component, int threshold, TimeSpan window);

    [LoggerMessage(6023, LogLevel.Information, "Automatic recovery for {Component} resumes: it no longer needs recovery that often")]
    public static partial void RecoveryResumed(ILogger logger, string component);

    [LoggerMessage(6030, LogLevel.Warning, "Heartbeat push failed: {Reason}")]
    public static partial void HeartbeatFailed(ILogger logger, string reason);

    [LoggerMessage(6031, LogLevel.Warning, "Maintenance switched {Active}: {Reason}")]
    public static partial void MaintenanceChanged(ILogger logger, bool active, string reason);

    [LoggerMessage(7400, LogLevel.Information, "Alert {Kind} for {Component}: {Message}")]
    public static partial void AlertRaised(ILogger logger, AlertKind kind, string component, string message);

    [LoggerMessage(7401, LogLevel.Information, "Alert {Kind} for {Component} not sent: maintenance is on")]
    public static partial void AlertSuppressed(ILogger logger, AlertKind kind, string component);

    [LoggerMessage(7402, LogLevel.Information, "Alert {Kind} for {Component} sent to {Host} (attempt {Attempt})")]
    public static partial void AlertDelivered(ILogger logger, AlertKind kind, string component, string host, int attempt);

    [LoggerMessage(7403, LogLevel.Warning, "Alert {Kind} for {Component} to {Host} failed on attempt {Attempt} ({Failure}); next attempt in {Delay}")]
    public static partial void AlertAttemptFailed(ILogger logger, AlertKind kind, string component, string host, int attempt, string failure, TimeSpan delay);

    [LoggerMessage(7404, LogLevel.Error, "Alert {Kind} for {Component} not delivered to {Host} after {Attempts} attempts ({Failure})")]
    public static partial void AlertUndelivered(ILogger logger, AlertKind kind, string component, string host, int attempts, string failure);

    [LoggerMessage(7405, LogLevel.Warning, "Alert queue for {Host} is full: dropped its oldest alert ({Kind} for {Component})")]
    public static partial void AlertDropped(ILogger logger, string host, AlertKind kind, string component);

    [LoggerMessage(7406, LogLevel.Information, "No alert channels are configured (Monitor:Alerts:Webhooks, Monitor:Alerts:Email): alerts go to the logs only")]
    public static partial void NoAlertWebhooks(ILogger logger);

    [LoggerMessage(7407, LogLevel.Error, "Cannot write {Path}; this is logged again only after a write succeeds")]
    public static partial void LogFileFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(7000, LogLevel.Information, "History database is {Path}")]
    public static partial void HistoryOpened(ILogger logger, string path);

    [LoggerMessage(7001, LogLevel.Warning, "History queue is full ({Capacity}): dropped the oldest observation ({Component} at {At})")]
    public static partial void HistoryObservationDropped(ILogger logger, string component, DateTimeOffset at, int capacity);

    [LoggerMessage(7002, LogLevel.Error, "Could not write {Count} history rows; they are lost")]
    public static partial void HistoryWriteFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(7003, LogLevel.Debug, "Pruned {Count} history rows older than {Cutoff}")]
    public static partial void HistoryPruned(ILogger logger, int count, DateTimeOffset cutoff);

    [LoggerMessage(7004, LogLevel.Error, "Could not prune the history; trying again at the next interval")]
    public static partial void HistoryPruneFailed(ILogger logger, Exception exception);

    [LoggerMessage(7005, LogLevel.Warning, "History is unavailable; the status shows live state only")]
    public static partial void HistoryUnavailable(ILogger logger, Exception exception);
}
