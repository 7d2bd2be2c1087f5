namespace Care2Connect.Api.Data.Resilience;

internal enum DatabaseUnavailableReason
{
    RetriesExhausted,
    Timeout,
    BreakerOpen,

    /// <summary>The connection was lost mid-command in a unit of work that must not run twice: its outcome is unknown.</summary>
    Interrupted,
}

/// <summary>The database could not serve a unit of work; callers get 503 with <see cref="RetryAfter"/>.</summary>
internal sealed class DatabaseUnavailableException(DatabaseUnavailableReason reason, TimeSpan retryAfter, Exception? inner = null)
    : Exception($"The database is unavailable ({reason}).", inner)
{
    public DatabaseUnavailableReason Reason { get; } = reason;

    public TimeSpan RetryAfter { get; } = retryAfter;
}

