namespace Care2Connect.Monitor;

internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "API is alive at {Target}")]
    public static partial void ApiUp(ILogger logger, Uri target);

    [LoggerMessage(1002, LogLevel.Warning, "API is not answering at {Target}")]
    public static partial void ApiDown(ILogger logger, Uri target);

    [LoggerMessage(1003, LogLevel.Error, "No API address is configured (Monitor:Api:BaseAddress or an Aspire reference to 'api'); not probing")]
    public static partial void NoApiAddress(ILogger logger);

    [LoggerMessage(1900, LogLevel.Error, "Monitor sink {Sink} failed; checks go on")]
    public static partial void SinkFailed(ILogger logger, string sink, Exception exception);

    [LoggerMessage(4000, LogLevel.Information, "Alert {Kind} for {Component}: {Message}")]
    public static partial void AlertRaised(ILogger logger, Checks.AlertKind kind, string component, string message);

    [LoggerMessage(4001, LogLevel.Information, "Alert {Kind} for {Component} not sent: maintenance is on")]
    public static partial void AlertSuppressed(ILogger logger, Checks.AlertKind kind, string component);

    [LoggerMessage(4002, LogLevel.Information, "Alert {Kind} for {Component} sent to {Host} (attempt {Attempt})")]
    public static partial void AlertDelivered(ILogger logger, Checks.AlertKind kind, string component, string host, int attempt);

    [LoggerMessage(4003, LogLevel.Warning, "Alert {Kind} for {Component} to {Host} failed on attempt {Attempt} ({Failure}); next attempt in {Delay}")]
    public static partial void AlertAttemptFailed(ILogger logger, Checks.AlertKind kind, string component, string host, int attempt, string failure, TimeSpan delay);

    [LoggerMessage(4004, LogLevel.Error, "Alert {Kind} for {Component} not delivered to {Host} after {Attempts} attempts ({Failure})")]
    public static partial void AlertUndelivered(ILogger logger, Checks.AlertKind kind, string component, string host, int attempts, string failure);

    [LoggerMessage(4005, LogLevel.Warning, "Alert queue for {Host} is full: dropped its oldest alert ({Kind} for {Component})")]
    public static partial void AlertDropped(ILogger logger, string host, Checks.AlertKind kind, string component);

    [LoggerMessage(4006, LogLevel.Information, "No alert webhooks are configured (Monitor:Alerts:Webhooks): alerts go to the logs only")]
    public static partial void NoAlertWebhooks(ILogger logger);

    [LoggerMessage(4007, LogLevel.Error, "Cannot write {Path}; this is logged again only after a write succeeds")]
    public static partial void LogFileFailed(ILogger logger, string path, Exception exception);
}
