namespace Care2Connect.Api.Data.Resilience;

internal enum DatabaseUnavailableReason
{
    RetriesExhausted,
    Timeout,
    BreakerOpen,
}

/// <summary>The database could not serve a unit of work; callers get 503 with <see cref="RetryAfter"/>.</summary>
internal sealed class DatabaseUnavailableException(DatabaseUnavailableReason reason, TimeSpan retryAfter, Exception? inner = null)
    : Exception($"The database is unavailable ({reason}).", inner)
{
    public DatabaseUnavailableReason Reason { get; } = reason;

    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// Opening a connection failed: nothing was sent, so whatever the cause (refused, reset, or no answer within the
/// connect timeout — which Npgsql reports like a command timeout) the unit of work is safe to try again.
/// </summary>
internal sealed class DatabaseConnectException(Exception inner) : Exception("Could not open a connection to the database.", inner);
