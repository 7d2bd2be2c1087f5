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

    [LoggerMessage(3000, LogLevel.Information, "History database is {Path}")]
    public static partial void HistoryOpened(ILogger logger, string path);

    [LoggerMessage(3001, LogLevel.Warning, "History queue is full ({Capacity}): dropped the oldest observation ({Component} at {At})")]
    public static partial void HistoryObservationDropped(ILogger logger, string component, DateTimeOffset at, int capacity);

    [LoggerMessage(3002, LogLevel.Error, "Could not write {Count} history rows; they are lost")]
    public static partial void HistoryWriteFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(3003, LogLevel.Debug, "Pruned {Count} history rows older than {Cutoff}")]
    public static partial void HistoryPruned(ILogger logger, int count, DateTimeOffset cutoff);

    [LoggerMessage(3004, LogLevel.Error, "Could not prune the history; trying again at the next interval")]
    public static partial void HistoryPruneFailed(ILogger logger, Exception exception);

    [LoggerMessage(3005, LogLevel.Warning, "History is unavailable; the status shows live state only")]
    public static partial void HistoryUnavailable(ILogger logger, Exception exception);
}
