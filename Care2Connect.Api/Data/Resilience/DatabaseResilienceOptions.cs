using System.ComponentModel.DataAnnotations;

namespace Care2Connect.Api.Data.Resilience;

/// <summary>
/// Every delay, threshold and timeout of the hardened data layer (section <c>Database:Resilience</c>).
/// The defaults are the production values; whole-system tests shrink them to seconds.
/// </summary>
internal sealed class DatabaseResilienceOptions
{
    public const string Section = "Database:Resilience";

    /// <summary>Off: each unit of work runs once, with no breaker and no retries (for side-by-side measurement).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Retries after the first attempt, for transient failures only.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>First retry delay; each further retry doubles it (≈1 s, 2 s, 4 s), jittered by ±<see cref="JitterRatio"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    [Range(0.0, 0.5)]
    public double JitterRatio { get; set; } = 0.2;

    /// <summary>Per command. When it fires, Npgsql cancels the query on the server and the caller gets 503.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Opening a connection. Short, so an unreachable server fails fast enough to be retried.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Consecutive failed operations (retries exhausted, or timed out) that open the breaker.</summary>
    [Range(1, 1000)]
    public int BreakerFailureThreshold { get; set; } = 5;

    /// <summary>How long the breaker stays open before it lets one trial operation through.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Commands slower than this are logged with their SQL, counted and tagged on their span.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan SlowQueryThreshold { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many of the slowest recent statements the API remembers.</summary>
    [Range(1, 1000)]
    public int SlowQueryCapacity { get; set; } = 20;

    /// <summary>Retry-After on a 503 that is not the breaker's (the breaker answers with its own time to half-open).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan UnavailableRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long in-flight requests may take to finish on shutdown before they are cancelled and rolled back.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an <c>Idempotency-Key</c> is remembered.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan IdempotencyKeyLifetime { get; set; } = TimeSpan.FromHours(24);
}
