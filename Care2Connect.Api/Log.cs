using Care2Connect.Api.Data.Entities;

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

    [LoggerMessage(2101, LogLevel.Warning, "Database unit of work {Operation} failed ({FailureKind}); retry {Retry} of {MaxRetries} in {Delay} ({ExceptionType})")]
    public static partial void RetryingUnitOfWork(ILogger logger, string operation, int retry, int maxRetries, TimeSpan delay, Data.Resilience.DatabaseFailureKind failureKind, string exceptionType);

    [LoggerMessage(2102, LogLevel.Error, "Database unit of work {Operation} failed after {Attempts} attempts ({ExceptionType})")]
    public static partial void UnitOfWorkFailed(ILogger logger, string operation, int attempts, string exceptionType);

    [LoggerMessage(2103, LogLevel.Error, "Database unit of work {Operation} hit the command timeout of {CommandTimeout}; the server cancelled the query")]
    public static partial void CommandTimedOut(ILogger logger, string operation, TimeSpan commandTimeout);

    [LoggerMessage(2108, LogLevel.Error, "Database unit of work {Operation} lost its connection mid-command and is not safe to run again; its outcome is unknown ({ExceptionType})")]
    public static partial void UnitOfWorkInterrupted(ILogger logger, string operation, string exceptionType);

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

    [LoggerMessage(4001, LogLevel.Information, "Recovery attempt {AttemptId} ({Trigger}, by {Caller}) {Outcome} in {DurationMs:0} ms: {Summary}")]
    public static partial void RecoveryAttemptFinished(ILogger logger, Guid attemptId, string trigger, string caller, string outcome, double durationMs, string summary);

    [LoggerMessage(4002, LogLevel.Warning, "Recovery of {Component} with {Action}: {Outcome} ({Detail})")]
    public static partial void RecoveryComponentActed(ILogger logger, string component, string action, string outcome, string detail);

    [LoggerMessage(4003, LogLevel.Information, "Recovery requested ({Trigger}, by {Caller}) inside the cooldown; next attempt allowed in {RetryAfter}")]
    public static partial void RecoveryCoolingDown(ILogger logger, string trigger, string caller, TimeSpan retryAfter);

    [LoggerMessage(4004, LogLevel.Warning, "Recovery history cannot be written ({Reason}); {Pending} attempts are kept in memory until the database returns")]
    public static partial void RecoveryHistoryBuffered(ILogger logger, string reason, int pending);

    [LoggerMessage(4005, LogLevel.Information, "Wrote {Count} buffered recovery attempts to the database")]
    public static partial void RecoveryHistoryFlushed(ILogger logger, int count);

    [LoggerMessage(4006, LogLevel.Error, "Recovery history buffer full ({Capacity}); dropped attempt {AttemptId} of {StartedAt}")]
    public static partial void RecoveryHistoryDropped(ILogger logger, int capacity, Guid attemptId, DateTimeOffset startedAt);

    [LoggerMessage(4007, LogLevel.Warning, "Critical components unhealthy: {Components}; starting automatic recovery")]
    public static partial void AutoRecoveryStarting(ILogger logger, string components);

    [LoggerMessage(4008, LogLevel.Warning, "Component {Component}: {From} -> {To} ({Detail})")]
    public static partial void ComponentStatusChanged(ILogger logger, string component, string from, string to, string detail);

    [LoggerMessage(4009, LogLevel.Warning, "The shared recovery cooldown could not be read or claimed ({Reason}); using this process's own state")]
    public static partial void RecoveryCooldownLocal(ILogger logger, string reason);

    [LoggerMessage(4010, LogLevel.Error, "The periodic component check failed; it runs again at the next interval")]
    public static partial void ComponentCheckFailed(ILogger logger, Exception exception);

    [LoggerMessage(5001, LogLevel.Debug, "Speech intelligence job {Job} succeeded in {DurationMs:0} ms: {Summary}")]
    public static partial void SpeechJobSucceeded(ILogger logger, string job, double durationMs, string summary);

    [LoggerMessage(5002, LogLevel.Warning, "Speech intelligence job {Job} failed: {Error}")]
    public static partial void SpeechJobFailed(ILogger logger, string job, string error);

    [LoggerMessage(5003, LogLevel.Information, "Speech intelligence job host restarted (generation {Generation})")]
    public static partial void SpeechHostRestarted(ILogger logger, int generation);
}
