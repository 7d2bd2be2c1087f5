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
}
