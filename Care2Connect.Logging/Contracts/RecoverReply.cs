using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Care2Connect.Contracts;

/// <summary>What the API's answer to <c>POST /health/recover</c> was.</summary>
public enum RecoverReplyKind
{
    /// <summary>An attempt ran (or was joined): 200 with the attempt's id, outcome and summary.</summary>
    Attempted,

    /// <summary>The API is cooling down: 429, come back after <see cref="RecoverReply.RetryAfter"/>.</summary>
    CoolingDown,

    /// <summary>Any other status: no attempt was made (unauthorized, invalid, unavailable).</summary>
    Refused,
}

/// <summary>
/// The API's answer to <c>POST /health/recover</c>, read in this one place by both who ask for recovery from outside
/// the API: the dashboard's "Recover now" (in the AppHost) and the Monitor.
/// </summary>
/// <param name="Kind">Attempted, cooling down or refused.</param>
/// <param name="StatusCode">The HTTP status code.</param>
/// <param name="ReasonPhrase">The HTTP reason phrase, if any.</param>
/// <param name="RetryAfter">When cooling down: the API's <c>Retry-After</c>, if it sent one as a delay.</param>
/// <param name="AttemptId">When attempted: the attempt's id.</param>
/// <param name="Outcome">When attempted: <c>succeeded</c>, <c>failed</c> or <c>skipped</c>.</param>
/// <param name="Summary">When attempted: the attempt's one-line summary.</param>
public sealed record RecoverReply(
    RecoverReplyKind Kind,
    int StatusCode,
    string? ReasonPhrase,
    TimeSpan? RetryAfter,
    Guid? AttemptId,
    string? Outcome,
    string? Summary)
{
    /// <summary>The route.</summary>
    public const string Path = "/health/recover";

    /// <summary>The header that says who asks: <c>admin</c> (the default), <c>monitor</c> or <c>dashboard</c>.</summary>
    public const string TriggerHeader = "X-Recovery-Trigger";

    /// <summary>Reads the answer; a 200 whose body is not an attempt throws (<see cref="JsonException"/>, <see cref="KeyNotFoundException"/>).</summary>
    /// <param name="response">The API's response.</param>
    /// <param name="cancellationToken">Bounds reading the body.</param>
    /// <returns>What the answer says.</returns>
    public static async Task<RecoverReply> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var status = (int)response.StatusCode;
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return new(RecoverReplyKind.CoolingDown, status, response.ReasonPhrase, response.Headers.RetryAfter?.Delta, null, null, null);
        }

        if (!response.IsSuccessStatusCode)
        {
            return new(RecoverReplyKind.Refused, status, response.ReasonPhrase, null, null, null, null);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        var body = document.RootElement;
        var attempt = body.GetProperty("attempt");
        return new(
            RecoverReplyKind.Attempted,
            status,
            response.ReasonPhrase,
            null,
            attempt.GetProperty("id").GetGuid(),
            attempt.GetProperty("outcome").GetString(),
            attempt.GetProperty("summary").GetString());
    }
}
