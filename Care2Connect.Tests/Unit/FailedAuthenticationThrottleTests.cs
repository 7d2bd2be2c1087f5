using Care2Connect.Api.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Care2Connect.Tests.Unit;

public sealed class FailedAuthenticationThrottleTests
{
    private const string Guesser = "203.0.113.7";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private FailedAuthenticationThrottle Throttle(int limit = 10, int maxTracked = 10_000) => new(
        Options.Create(new FailedAuthenticationOptions { Limit = limit, Window = TimeSpan.FromMinutes(1), MaxTrackedAddresses = maxTracked }),
        _time,
        NullLogger<FailedAuthenticationThrottle>.Instance);

    [Fact]
    public void Ten_failures_are_answered_normally_and_the_eleventh_is_refused()
    {
        var throttle = Throttle();

        for (var i = 0; i < 10; i++)
        {
            Assert.Null(throttle.Attempt(Guesser, failed: true));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var retryAfter = throttle.Attempt(Guesser, failed: true);

        Assert.NotNull(retryAfter);
        // Failures at 1..10 s count now (the refused one at 10 s too): the one at 1 s leaves the window in 51 s.
        Assert.Equal(TimeSpan.FromSeconds(51), retryAfter);
    }

    [Fact]
    public void Once_throttled_a_correct_key_is_refused_too()
    {
        var throttle = Throttle();
        for (var i = 0; i < 10; i++)
        {
            throttle.Attempt(Guesser, failed: true);
        }

        Assert.NotNull(throttle.Attempt(Guesser, failed: false));
    }

    [Fact]
    public void Correct_keys_never_count()
    {
        var throttle = Throttle();
        for (var i = 0; i < 100; i++)
        {
            Assert.Null(throttle.Attempt(Guesser, failed: false));
        }

        Assert.Equal(0, throttle.TrackedAddresses);
    }

    [Fact]
    public void Another_address_is_unaffected()
    {
        var throttle = Throttle();
        for (var i = 0; i < 20; i++)
        {
            throttle.Attempt(Guesser, failed: true);
        }

        Assert.Null(throttle.Attempt("198.51.100.20", failed: false));
        Assert.Null(throttle.Attempt("198.51.100.20", failed: true));
    }

    [Fact]
    public void The_window_slides_failures_older_than_a_minute_stop_counting()
    {
        var throttle = Throttle();
        for (var i = 0; i < 10; i++)
        {
            throttle.Attempt(Guesser, failed: true);
            _time.Advance(TimeSpan.FromSeconds(5));
        }

        // Failures at 0, 5, ..., 45 s; now 50 s.
        Assert.NotNull(throttle.Attempt(Guesser, failed: false));

        _time.Advance(TimeSpan.FromSeconds(10)); // 60 s: the failure at 0 s has left the window.
        Assert.Null(throttle.Attempt(Guesser, failed: false));
        Assert.Null(throttle.Attempt(Guesser, failed: true)); // the 10th in the window again
        Assert.NotNull(throttle.Attempt(Guesser, failed: false));

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(throttle.Attempt(Guesser, failed: false));
    }

    [Fact]
    public void A_guesser_who_keeps_going_while_refused_stays_refused()
    {
        var throttle = Throttle();
        for (var i = 0; i < 10; i++)
        {
            throttle.Attempt(Guesser, failed: true);
        }

        // 20 a minute, for five minutes.
        for (var i = 0; i < 100; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(3));
            Assert.NotNull(throttle.Attempt(Guesser, failed: true));
        }

        // Five minutes of hammering later, a pause of a full window is what it takes.
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(throttle.Attempt(Guesser, failed: false));
    }

    [Fact]
    public void Retry_after_is_never_below_one_second()
    {
        var throttle = Throttle();
        for (var i = 0; i < 10; i++)
        {
            throttle.Attempt(Guesser, failed: true);
        }

        _time.Advance(TimeSpan.FromSeconds(59.9));

        Assert.Equal(TimeSpan.FromSeconds(1), throttle.Attempt(Guesser, failed: false));
    }

    [Fact]
    public void Memory_is_bounded_expired_addresses_are_forgotten_and_the_stalest_make_room()
    {
        var throttle = Throttle(limit: 3, maxTracked: 16);
        for (var i = 0; i < 16; i++)
        {
            throttle.Attempt($"198.51.100.{i}", failed: true);
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(16, throttle.TrackedAddresses);

        // Full: a new address makes room by forgetting the stalest one.
        throttle.Attempt("203.0.113.1", failed: true);
        Assert.Equal(16, throttle.TrackedAddresses);

        // A window later, everything expired is swept on the next call.
        _time.Advance(TimeSpan.FromMinutes(2));
        throttle.Attempt("203.0.113.2", failed: true);
        Assert.Equal(1, throttle.TrackedAddresses);
    }
}
