namespace Care2Connect.Monitor;

internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "API is alive at {Target}")]
    public static partial void ApiUp(ILogger logger, Uri target);

    [LoggerMessage(1002, LogLevel.Warning, "API is not answering at {Target}")]
    public static partial void ApiDown(ILogger logger, Uri target);

    [LoggerMessage(1003, LogLevel.Error, "No API address is configured (Monitor:Api:BaseAddress or an Aspire reference to 'api'); not probing")]
    public static partial void NoApiAddress(ILogger logger);
}
