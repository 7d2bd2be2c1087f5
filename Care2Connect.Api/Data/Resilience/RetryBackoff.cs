namespace Care2Connect.Api.Data.Resilience;

/// <summary>Exponential backoff with jitter: base × 2^retry, scaled by a random factor in [1 − j, 1 + j].</summary>
internal static class RetryBackoff
{
    /// <param name="retry">0 for the first retry.</param>
    /// <param name="baseDelay">The first retry's nominal delay.</param>
    /// <param name="jitterRatio">j: how far each delay may stray from nominal, as a fraction.</param>
    /// <param name="random">A number in [0, 1).</param>
    public static TimeSpan Delay(int retry, TimeSpan baseDelay, double jitterRatio, double random)
    {
        var nominal = baseDelay.TotalMilliseconds * Math.Pow(2, retry);
        var factor = 1 + (jitterRatio * ((2 * random) - 1));
        return TimeSpan.FromMilliseconds(nominal * factor);
    }
}
