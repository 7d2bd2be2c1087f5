using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Care2Connect.Api.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Security;

internal sealed class FailedAuthenticationOptions
{
    public const string Section = "Auth:FailedAttempts";

    /// <summary>Invalid keys a client address may present per <see cref="Window"/> before it is refused.</summary>
    [Range(1, 10_000)]
    public int Limit { get; set; } = 10;

    /// <summary>The rolling window the failures are counted in.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Client addresses remembered at once. Beyond it the address whose last failure is oldest is forgotten first:
    /// memory stays bounded whatever the number of addresses a guesser uses.
    /// </summary>
    [Range(16, 1_000_000)]
    public int MaxTrackedAddresses { get; set; } = 10_000;
}

/// <summary>
/// Counts invalid API keys per client address in a rolling window. Once an address has presented
/// <see cref="FailedAuthenticationOptions.Limit"/> invalid keys within the window, every request from it that
/// presents a key is refused until the oldest of those failures leaves the window — a correct key too, or a guesser
/// would learn from the answer when it had found one. Refused requests with an invalid key still count: a guesser who
/// keeps going stays locked out. Requests without a key are never counted or refused here.
/// </summary>
internal sealed class FailedAuthenticationThrottle(
    IOptions<FailedAuthenticationOptions> options,
    TimeProvider time,
    ILogger<FailedAuthenticationThrottle> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Failures> _byClient = new(StringComparer.Ordinal);
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;

    /// <summary>Addresses currently remembered (for tests and metrics).</summary>
    public int TrackedAddresses
    {
        get
        {
            lock (_gate)
            {
                return _byClient.Count;
            }
        }
    }

    /// <summary>
    /// Records one request that presented a key (<paramref name="failed"/>: the key was invalid) and says whether it
    /// must be refused: null to let it through, else the time until the address may try again.
    /// </summary>
    public TimeSpan? Attempt(string client, bool failed)
    {
        var limit = options.Value.Limit;
        var window = options.Value.Window;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            SweepIfDue(now, window);
            _byClient.TryGetValue(client, out var failures);
            var refused = failures is not null && failures.CountSince(now - window) >= limit;
            if (failed)
            {
                if (failures is null)
                {
                    MakeRoom(now, window);
                    failures = new Failures();
                    _byClient[client] = failures;
                }

                failures.Add(now, limit);
                if (!refused && failures.CountSince(now - window) >= limit)
                {
                    Log.FailedAuthenticationLimitReached(logger, client, limit, window, failures.Oldest + window);
                }
            }

            return refused ? Max(failures!.Oldest + window - now, TimeSpan.FromSeconds(1)) : null;
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // Forgets addresses whose failures have all left the window, at most once per window: O(addresses) per window.
    private void SweepIfDue(DateTimeOffset now, TimeSpan window)
    {
        if (now - _lastSweep < window)
        {
            return;
        }

        _lastSweep = now;
        Sweep(now - window);
    }

    private void Sweep(DateTimeOffset since)
    {
        foreach (var (client, failures) in _byClient)
        {
            if (failures.Newest <= since)
            {
                _byClient.Remove(client);
            }
        }
    }

    private void MakeRoom(DateTimeOffset now, TimeSpan window)
    {
        if (_byClient.Count < options.Value.MaxTrackedAddresses)
        {
            return;
        }

        Sweep(now - window);
        while (_byClient.Count >= options.Value.MaxTrackedAddresses)
        {
            var stalest = _byClient.MinBy(entry => entry.Value.Newest).Key;
            _byClient.Remove(stalest);
        }
    }

    /// <summary>The most recent failures of one address, at most <c>limit</c> of them, oldest first.</summary>
    private sealed class Failures
    {
        private readonly Queue<DateTimeOffset> _times = new();

        public DateTimeOffset Oldest => _times.Peek();

        public DateTimeOffset Newest { get; private set; }

        public void Add(DateTimeOffset at, int limit)
        {
            _times.Enqueue(at);
            Newest = at;
            while (_times.Count > limit)
            {
                _times.Dequeue();
            }
        }

        public int CountSince(DateTimeOffset since)
        {
            while (_times.Count > 0 && _times.Peek() <= since)
            {
                _times.Dequeue();
            }

            return _times.Count;
        }
    }
}

internal static class FailedAuthenticationThrottling
{
    /// <summary>
    /// After authentication (which tells a valid key from an invalid one), before authorization: requests that present
    /// a key are counted and, from a throttled address, answered 429 with <c>Retry-After</c> and the
    /// <see cref="ProblemTypes.TooManyFailedAuthentications"/> problem type, whatever the key and the route.
    /// </summary>
    public static IApplicationBuilder UseFailedAuthenticationThrottle(this IApplicationBuilder app)
    {
        var throttle = app.ApplicationServices.GetRequiredService<FailedAuthenticationThrottle>();
        return app.Use(async (context, next) =>
        {
            if (!ApiCaller.PresentsKey(context))
            {
                await next(context);
                return;
            }

            // The handler caches its result per request: this is the outcome UseAuthentication already computed.
            var failed = (await context.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName)).Failure is not null;
            if (throttle.Attempt(context.GetClientAddress().ClientText, failed) is not { } retryAfter)
            {
                await next(context);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails =
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Type = ProblemTypes.TooManyFailedAuthentications,
                    Title = "Too many failed authentications",
                    Detail = "Too many requests with an invalid API key came from this address. Try again after the time in Retry-After.",
                },
            });
        });
    }
}
