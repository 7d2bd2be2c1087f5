using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Data.Resilience;

/// <summary>The breaker's states, named as Polly names them.</summary>
internal enum CircuitState
{
    Closed,
    Open,
    HalfOpen,
}

/// <summary>What an operation was given on entry: pass normally, pass as the half-open trial, or fail fast.</summary>
internal enum BreakerPermit
{
    Rejected,
    Allowed,
    Trial,
}

internal sealed record BreakerSnapshot(
    CircuitState State,
    int ConsecutiveFailures,
    DateTimeOffset LastTransition,
    TimeSpan? TimeUntilHalfOpen);

/// <summary>
/// A circuit breaker over whole database operations, with exact consecutive-failure semantics: it opens after
/// <see cref="DatabaseResilienceOptions.BreakerFailureThreshold"/> operations in a row have failed (an operation
/// fails once its retries are exhausted or it timed out); while open every operation is refused before it opens a
/// connection; after <see cref="DatabaseResilienceOptions.BreakDuration"/> exactly one trial goes through, and its
/// outcome closes or re-opens the breaker (an operation admitted before the breaker opened cannot close it by
/// finishing late). Business errors neither count nor reset.
/// </summary>
internal sealed class DatabaseCircuitBreaker
{
    private readonly Lock _gate = new();
    private readonly IOptionsMonitor<DatabaseResilienceOptions> _options;
    private readonly TimeProvider _time;
    private readonly DatabaseMetrics _metrics;
    private readonly ILogger<DatabaseCircuitBreaker> _logger;
    // Volatile: read without the lock on the hot path; written only under it.
    private volatile CircuitState _state = CircuitState.Closed;
    private volatile int _consecutiveFailures;
    private DateTimeOffset _lastTransition;
    private DateTimeOffset _openUntil;
    private bool _trialInFlight;

    public DatabaseCircuitBreaker(
        IOptionsMonitor<DatabaseResilienceOptions> options,
        TimeProvider time,
        DatabaseMetrics metrics,
        ILogger<DatabaseCircuitBreaker> logger)
    {
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _lastTransition = time.GetUtcNow();
        metrics.ObserveBreaker(() => State);
    }

    public CircuitState State
    {
        get
        {
            return _state;
        }
    }

    public BreakerSnapshot Snapshot
    {
        get
        {
            lock (_gate)
            {
                var untilHalfOpen = _state == CircuitState.Open ? _openUntil - _time.GetUtcNow() : (TimeSpan?)null;
                return new(_state, _consecutiveFailures, _lastTransition, untilHalfOpen < TimeSpan.Zero ? TimeSpan.Zero : untilHalfOpen);
            }
        }
    }

    /// <summary>Asks to run one operation. When refused, <paramref name="retryAfter"/> says when to come back.</summary>
    public BreakerPermit TryEnter(out TimeSpan retryAfter)
    {
        // The hot path: closed, nothing to change, no lock. Every change of state is made under the lock.
        if (_state == CircuitState.Closed)
        {
            retryAfter = TimeSpan.Zero;
            return BreakerPermit.Allowed;
        }

        lock (_gate)
        {
            retryAfter = TimeSpan.Zero;
            var now = _time.GetUtcNow();
            if (_state == CircuitState.Open && now >= _openUntil)
            {
                TransitionTo(CircuitState.HalfOpen, now);
            }

            switch (_state)
            {
                case CircuitState.Closed:
                    return BreakerPermit.Allowed;
                case CircuitState.HalfOpen when !_trialInFlight:
                    _trialInFlight = true;
                    return BreakerPermit.Trial;
                case CircuitState.HalfOpen:
                    // One trial at a time; the others come back shortly.
                    retryAfter = TimeSpan.FromSeconds(1);
                    return BreakerPermit.Rejected;
                default:
                    retryAfter = _openUntil - now;
                    return BreakerPermit.Rejected;
            }
        }
    }

    public void OnSuccess(BreakerPermit permit)
    {
        // The hot path: a normal operation succeeded while closed with no failure counted: nothing to change.
        if (permit == BreakerPermit.Allowed && _consecutiveFailures == 0 && _state == CircuitState.Closed)
        {
            return;
        }

        lock (_gate)
        {
            if (permit == BreakerPermit.Allowed && _state != CircuitState.Closed)
            {
                // Admitted before the breaker opened and finished after: it says nothing about the database now.
                // Only the half-open trial closes an open breaker.
                return;
            }

            _consecutiveFailures = 0;
            if (permit == BreakerPermit.Trial)
            {
                _trialInFlight = false;
            }

            if (_state != CircuitState.Closed)
            {
                TransitionTo(CircuitState.Closed, _time.GetUtcNow());
            }
        }
    }

    public void OnFailure(BreakerPermit permit)
    {
        lock (_gate)
        {
            _consecutiveFailures++;
            var now = _time.GetUtcNow();
            if (permit == BreakerPermit.Trial)
            {
                _trialInFlight = false;
            }

            if (_state == CircuitState.HalfOpen
                || (_state == CircuitState.Closed && _consecutiveFailures >= _options.CurrentValue.BreakerFailureThreshold))
            {
                _openUntil = now + _options.CurrentValue.BreakDuration;
                TransitionTo(CircuitState.Open, now);
            }
        }
    }

    /// <summary>The operation ended without telling anything about the database (a business error, a cancellation).</summary>
    public void OnNeutral(BreakerPermit permit)
    {
        if (permit != BreakerPermit.Trial)
        {
            return;
        }

        lock (_gate)
        {
            _trialInFlight = false;
        }
    }

    /// <summary>For recovery: skip the rest of the break and let the next operation be the trial.</summary>
    /// <returns>True when the breaker was open and is now half-open.</returns>
    public bool RequestHalfOpenTrial()
    {
        lock (_gate)
        {
            if (_state != CircuitState.Open)
            {
                return false;
            }

            _trialInFlight = false;
            TransitionTo(CircuitState.HalfOpen, _time.GetUtcNow());
            return true;
        }
    }

    private void TransitionTo(CircuitState state, DateTimeOffset now)
    {
        var previous = _state;
        _state = state;
        _lastTransition = now;
        _metrics.BreakerTransition(previous, state);
        if (state == CircuitState.Open)
        {
            Log.BreakerOpened(_logger, _consecutiveFailures, _openUntil);
        }
        else
        {
            Log.BreakerTransition(_logger, previous, state);
        }
    }
}
