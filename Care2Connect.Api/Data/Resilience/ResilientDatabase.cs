using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Data.Resilience;

/// <summary>
/// Runs units of work against the database: the breaker outside, retries inside. Each attempt gets a fresh
/// <see cref="CareDbContext"/>, so a transaction is retried as a whole or not at all. Failures where nothing took
/// effect are retried for every unit; a connection lost mid-command only for units that say they are safe to run
/// again (<see cref="UnitOfWorkSafety"/>: creates use ids chosen before the first attempt, so a retry after a lost
/// commit acknowledgement finds its own row instead of inserting twice).
/// </summary>
internal sealed class ResilientDatabase(
    IServiceScopeFactory scopes,
    DatabaseCircuitBreaker breaker,
    IOptionsMonitor<DatabaseResilienceOptions> options,
    TimeProvider time,
    DatabaseMetrics metrics,
    ILogger<ResilientDatabase> logger)
{
    public DatabaseCircuitBreaker Breaker => breaker;

    public async Task<T> ExecuteAsync<T>(
        string operation,
        UnitOfWorkSafety safety,
        Func<CareDbContext, CancellationToken, Task<T>> work,
        CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        if (!settings.Enabled)
        {
            await using var scope = scopes.CreateAsyncScope();
            return await work(scope.ServiceProvider.GetRequiredService<CareDbContext>(), cancellationToken);
        }

        // No span of its own: a unit of work is described on the span it runs under (the request's, a job's or a
        // recovery action's), with its retries as events, and Npgsql's command spans sit below that. A span per unit
        // of work was a third span per request to create and export; the histogram below keeps its timings.
        var activity = Activity.Current;
        activity?.SetTag("care2connect.db.operation", operation);
        var started = time.GetTimestamp();

        var permit = breaker.TryEnter(out var breakerRetryAfter);
        if (permit == BreakerPermit.Rejected)
        {
            metrics.Rejected(operation);
            activity?.SetTag("care2connect.db.outcome", "circuit-open");
            throw new DatabaseUnavailableException(DatabaseUnavailableReason.BreakerOpen, breakerRetryAfter);
        }

        for (var retry = 0; ; retry++)
        {
            TimeSpan retryDelay;
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<CareDbContext>();
                db.LastFailure = DatabaseFailureEvidence.None;
                try
                {
                    var result = await work(db, cancellationToken);
                    breaker.OnSuccess(permit);
                    metrics.Operation(operation, "success", time.GetElapsedTime(started));
                    return result;
                }
                catch (Exception exception)
                {
                    var kind = DatabaseFailureClassifier.Classify(exception, db.LastFailure, cancellationToken);
                    var retryable = DatabaseFailureClassifier.ShouldRetry(kind, safety);
                    if (!retryable || retry >= settings.MaxRetries)
                    {
                        var failure = Fail(operation, kind, retryable, exception, retry, permit, started, settings, activity);
                        if (ReferenceEquals(failure, exception))
                        {
                            throw;
                        }

                        throw failure;
                    }

                    retryDelay = RetryBackoff.Delay(retry, settings.BaseDelay, settings.JitterRatio, Random.Shared.NextDouble());
                    Log.RetryingUnitOfWork(logger, operation, retry + 1, settings.MaxRetries, retryDelay, kind, exception.GetType().Name);
                    metrics.Retry(operation);
                    activity?.AddEvent(new ActivityEvent("db.retry", tags: new ActivityTagsCollection
                    {
                        ["care2connect.db.operation"] = operation,
                        ["retry"] = retry + 1,
                        ["delay_ms"] = retryDelay.TotalMilliseconds,
                        ["care2connect.db.failure"] = kind.ToString(),
                    }));
                }
            }

            // Reached only when the attempt failed transiently and a retry is left. The attempt's scope is gone by now:
            // its DbContext (and any connection it still held) goes back to the pool instead of waiting out the backoff.
            try
            {
                await Task.Delay(retryDelay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                breaker.OnNeutral(permit);
                throw;
            }
        }
    }

    /// <summary>
    /// The bounded one-shot path: one attempt on a fresh <see cref="CareDbContext"/>, outside the breaker and the
    /// retries, the whole of it (connect included) and each command bounded by <paramref name="timeout"/>. For those who
    /// must see a failure rather than have it retried away or refused by an open breaker: readiness and recovery probes,
    /// and the recovery service's history and cooldown, which are needed exactly when the database may be down.
    /// Failures to reach or use the database come back as a result; a cancellation of <paramref name="cancellationToken"/>
    /// and any other exception are thrown.
    /// </summary>
    public async Task<DatabaseAttempt<T>> TryOnceAsync<T>(
        Func<CareDbContext, CancellationToken, Task<T>> work,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CareDbContext>();
            db.Database.SetCommandTimeout(timeout);
            return new(true, await work(db, bounded.Token), null, TimedOut: false);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested
            && exception is DbException or DbUpdateException or OperationCanceledException or InvalidOperationException or TimeoutException)
        {
            return new(false, default, exception, bounded.IsCancellationRequested);
        }
    }

    /// <summary>
    /// Skips the rest of the break and runs the half-open trial at once: <c>SELECT 1</c> through the breaker, whose
    /// outcome closes it when the database answers and opens it again when it does not. The breaker component's
    /// recovery action and the dashboard's "Reset circuit breaker" are this one trial.
    /// </summary>
    public async Task RunBreakerTrialAsync(CancellationToken cancellationToken)
    {
        breaker.RequestHalfOpenTrial();
        try
        {
            await ExecuteAsync("recovery.breaker_trial", UnitOfWorkSafety.ReadOnly, (db, ct) => db.Database.ExecuteSqlRawAsync("SELECT 1", ct), cancellationToken);
        }
        catch (DatabaseUnavailableException)
        {
            // The trial failed and the breaker is open again: whoever asked reads the breaker's state.
        }
    }

    private Exception Fail(
        string operation,
        DatabaseFailureKind kind,
        bool retryable,
        Exception exception,
        int retry,
        BreakerPermit permit,
        long started,
        DatabaseResilienceOptions settings,
        Activity? activity)
    {
        var elapsed = time.GetElapsedTime(started);
        switch (kind)
        {
            case DatabaseFailureKind.Transient or DatabaseFailureKind.Interrupted when retryable:
                breaker.OnFailure(permit);
                metrics.Operation(operation, "unavailable", elapsed);
                Log.UnitOfWorkFailed(logger, operation, retry + 1, exception.GetType().Name);
                activity?.SetTag("care2connect.db.outcome", "retries-exhausted");
                return new DatabaseUnavailableException(DatabaseUnavailableReason.RetriesExhausted, RetryAfter(settings), exception);
            case DatabaseFailureKind.Interrupted:
                // A unit that must not run twice lost its connection mid-command: whether it took effect is unknown.
                breaker.OnFailure(permit);
                metrics.Operation(operation, "interrupted", elapsed);
                Log.UnitOfWorkInterrupted(logger, operation, exception.GetType().Name);
                activity?.SetTag("care2connect.db.outcome", "interrupted");
                return new DatabaseUnavailableException(DatabaseUnavailableReason.Interrupted, RetryAfter(settings), exception);
            case DatabaseFailureKind.CommandTimeout:
                breaker.OnFailure(permit);
                metrics.Timeout(operation);
                metrics.Operation(operation, "timeout", elapsed);
                Log.CommandTimedOut(logger, operation, settings.CommandTimeout);
                activity?.SetTag("care2connect.db.outcome", "command-timeout");
                return new DatabaseUnavailableException(DatabaseUnavailableReason.Timeout, RetryAfter(settings), exception);
            default:
                // Business errors and cancellations say nothing about the database's health.
                breaker.OnNeutral(permit);
                metrics.Operation(operation, kind == DatabaseFailureKind.Cancelled ? "cancelled" : "error", elapsed);
                return exception;
        }
    }

    private TimeSpan RetryAfter(DatabaseResilienceOptions settings) =>
        breaker.Snapshot.TimeUntilHalfOpen is { } untilHalfOpen && untilHalfOpen > TimeSpan.Zero ? untilHalfOpen : settings.UnavailableRetryAfter;
}

/// <summary>What one bounded attempt (<see cref="ResilientDatabase.TryOnceAsync{T}"/>) ended in.</summary>
/// <param name="Succeeded">Whether the work ran to its end.</param>
/// <param name="Value">What the work returned, when it succeeded.</param>
/// <param name="Failure">Why it did not.</param>
/// <param name="TimedOut">Whether the bound ran out (then <paramref name="Failure"/> is whatever that interrupted).</param>
internal readonly record struct DatabaseAttempt<T>(bool Succeeded, T? Value, Exception? Failure, bool TimedOut);
