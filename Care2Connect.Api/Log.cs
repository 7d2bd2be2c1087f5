using Care2Connect.Api.Tickets;

namespace Care2Connect.Api;

/// <summary>
/// Every log line the API writes, with a stable event id so an operator can filter by event in the dashboard.
/// Ticket events carry ids and statuses only: contact details never reach a log.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Ticket {TicketId} created")]
    public static partial void TicketCreated(ILogger logger, Guid ticketId);

    [LoggerMessage(1002, LogLevel.Information, "Ticket {TicketId} updated: {PreviousStatus} -> {Status}")]
    public static partial void TicketUpdated(ILogger logger, Guid ticketId, TicketStatus previousStatus, TicketStatus status);

    [LoggerMessage(1003, LogLevel.Information, "Ticket {TicketId} deleted")]
    public static partial void TicketDeleted(ILogger logger, Guid ticketId);

    [LoggerMessage(2001, LogLevel.Information, "Database migrations applied (attempt {Attempt})")]
    public static partial void MigrationsApplied(ILogger logger, int attempt);

    [LoggerMessage(2002, LogLevel.Warning, "Applying database migrations failed (attempt {Attempt}); retrying in {RetryDelay}")]
    public static partial void MigrationAttemptFailed(ILogger logger, int attempt, TimeSpan retryDelay, Exception exception);

    [LoggerMessage(2003, LogLevel.Warning, "{Method} {Path} failed: the database is unavailable ({ExceptionType})")]
    public static partial void DatabaseUnavailable(ILogger logger, string method, string path, string exceptionType);

    [LoggerMessage(3001, LogLevel.Warning, "No operator or admin API keys are configured: every protected endpoint will answer 401")]
    public static partial void NoApiKeysConfigured(ILogger logger);
}
