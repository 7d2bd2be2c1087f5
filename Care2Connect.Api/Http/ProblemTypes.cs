namespace Care2Connect.Api.Http;

/// <summary>
/// The <c>type</c> URIs of our own problems, in one place so that two answers with the same status (the 429 of a
/// throttled key guesser and the 429 of a recovery cooldown) can be told apart by a client without parsing text.
/// Problems without a type of their own keep the framework's default (the RFC section of their status code).
/// </summary>
internal static class ProblemTypes
{
    private const string Base = "https://care2connect.org/problems/";

    /// <summary>429: too many requests with an invalid API key came from this client address.</summary>
    public const string TooManyFailedAuthentications = Base + "too-many-failed-authentications";

    /// <summary>503: an admin endpoint was called but no admin key is configured, so admin access is closed.</summary>
    public const string AdminNotConfigured = Base + "admin-not-configured";

    /// <summary>429: a recovery was asked for while the previous one's cooldown is still running.</summary>
    public const string RecoveryCooldown = Base + "recovery-cooldown";
}
