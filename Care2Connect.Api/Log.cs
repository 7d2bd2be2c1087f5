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

    [LoggerMessage(2003, LogLevel.Warning, "{Method} {Path} answered 503: the database is unavailable ({Reason})")]
    public static partial void DatabaseUnavailable(ILogger logger, string method, string path, string reason);

    [LoggerMessage(2101, LogLevel.Warning, "Database unit of work {Operation} failed transiently; retry {Retry} of {MaxRetries} in {Delay} ({ExceptionType})")]
    public static partial void RetryingUnitOfWork(ILogger logger, string operation, int retry, int maxRetries, TimeSpan delay, string exceptionType);

    [LoggerMessage(2102, LogLevel.Error, "Database unit of work {Operation} failed after {Attempts} attempts ({ExceptionType})")]
    public static partial void UnitOfWorkFailed(ILogger logger, string operation, int attempts, string exceptionType);

    [LoggerMessage(2103, LogLevel.Error, "Database unit of work {Operation} hit the command timeout of {CommandTimeout}; the server cancelled the query")]
    public static partial void CommandTimedOut(ILogger logger, string operation, TimeSpan commandTimeout);

    [LoggerMessage(2104, LogLevel.Error, "Database circuit breaker opened after {ConsecutiveFailures} consecutive failed operations; calls fail fast until {OpenUntil}")]
    public static partial void BreakerOpened(ILogger logger, int consecutiveFailures, DateTimeOffset openUntil);

    [LoggerMessage(2105, LogLevel.Warning, "Database circuit breaker: {From} -> {To}")]
    public static partial void BreakerTransition(ILogger logger, Data.Resilience.CircuitState from, Data.Resilience.CircuitState to);

    [LoggerMessage(2106, LogLevel.Warning, "Slow query ({DurationMs} ms): {CommandText}")]
    public static partial void SlowQuery(ILogger logger, double durationMs, string commandText);

    [LoggerMessage(2107, LogLevel.Information, "Database connection pool closed")]
    public static partial void ConnectionPoolClosed(ILogger logger);

    [LoggerMessage(1004, LogLevel.Information, "Ticket {TicketId} create replayed for a repeated Idempotency-Key")]
    public static partial void TicketCreateReplayed(ILogger logger, Guid ticketId);

    [LoggerMessage(3001, LogLevel.Warning, "No operator or admin API keys are configured: every protected endpoint will answer 401")]
    public static partial void NoApiKeysConfigured(ILogger logger);

    [LoggerMessage(3002, LogLevel.Warning, "Api:InternalPort is not set: every listener is public, so /health, admin routes and OpenAPI answer 404 on all of them")]
    public static partial void NoInternalListener(ILogger logger);

    [LoggerMessage(3003, LogLevel.Warning, "Client {Client} presented {Limit} invalid API keys within {Window}: its requests with a key are refused until {RefusedUntil}")]
    public static partial void FailedAuthenticationLimitReached(ILogger logger, string client, int limit, TimeSpan window, DateTimeOffset refusedUntil);

    // The audit trail (category Care2Connect.Audit, ids 3100-3199). Who is the key's slot (admin#0), never the key.
    [LoggerMessage(3101, LogLevel.Information, "Admin call {Method} {Route} by {Caller} from {Client} via {Proxy} at {At:O}: {StatusCode} {Outcome}")]
    public static partial void AdminCall(ILogger logger, string method, string route, string caller, string client, string proxy, DateTime at, int statusCode, string outcome);
}
