namespace Care2Connect.Api.Recovery;

/// <summary>
/// Enum values as the lower-case words the health API, the recovery tables, logs, traces and metrics all use
/// (<c>healthy</c>, <c>succeeded</c>, <c>dashboard</c>): one spelling everywhere, so a word read in one place can be
/// searched for in the others.
/// </summary>
internal static class Words
{
    public static string Of<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
