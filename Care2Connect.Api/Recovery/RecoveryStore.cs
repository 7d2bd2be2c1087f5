using System.Data.Common;
using Care2Connect.Api.Data;
using Care2Connect.Api.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Care2Connect.Api.Recovery;

internal sealed record ComponentRecoveryCounts(string Component, int Succeeded, int Failed, int Skipped, double? MeanTimeToRecoverMs);

internal sealed record RecoveryStatistics(
    string Source,
    int Attempts,
    int Succeeded,
    int Failed,
    int Skipped,
    double? SuccessRate,
    double? MeanTimeToRecoverMs,
    IReadOnlyList<ComponentRecoveryCounts> Components,
    IReadOnlyList<RecoveryAttempt> Recent,
    int PendingWrites);

internal sealed record RecoverySummary(RecoveryAttempt? LastAttempt, DateTimeOffset? CooldownUntil, int PendingWrites);

/// <summary>
/// Recovery history and the shared cooldown in PostgreSQL, so every API instance sees the same ones and they survive
/// restarts. Every database call is bounded by <see cref="RecoveryOptions.StoreTimeout"/> and bypasses the breaker
/// and the retries: recovery runs exactly when the database may be down. Then attempts wait in memory (bounded by
/// <see cref="RecoveryOptions.BufferCapacity"/>) and are written, idempotently, once it answers again; the cooldown
/// falls back to this process's own memory. A crash during an outage loses the attempts still buffered.
/// </summary>
internal sealed class RecoveryStore(
    IServiceScopeFactory scopes,
    MigrationState migrations,
    IOptionsMonitor<RecoveryOptions> options,
    TimeProvider time,
    ILogger<RecoveryStore> logger)
{
    public const int RecentCapacity = 50;

    private readonly Lock _gate = new();
    private readonly LinkedList<PendingAttempt> _pending = new();
    private readonly LinkedList<RecoveryAttempt> _recent = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private DateTimeOffset? _localLastCounted;
    private DateTimeOffset? _sharedLastCounted;
    private RecoveryAttempt? _sharedLastAttempt;

    public int PendingWrites
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>What this process knows without asking the database: for the status endpoint, which must answer at once.</summary>
    public RecoverySummary Summary
    {
        get
        {
            lock (_gate)
            {
                var local = _recent.First?.Value;
                var last = local is null || (_sharedLastAttempt is { } shared && shared.StartedAt > local.StartedAt) ? _sharedLastAttempt : local;
                var until = Latest(_localLastCounted, _sharedLastCounted) + options.CurrentValue.Cooldown;
                return new(last, until, _pending.Count);
            }
        }
    }

    /// <summary>Time left in the cooldown, from the shared row when the database answers, else from this process's memory.</summary>
    public async Task<TimeSpan> CooldownRemainingAsync(CancellationToken cancellationToken)
    {
        var shared = await TryAsync(
            (db, ct) => db.RecoveryCooldown.AsNoTracking().Where(c => c.Id == RecoveryCooldownRecord.SingletonId).Select(c => c.LastAttemptAt).SingleOrDefaultAsync(ct),
            cancellationToken);
        DateTimeOffset? last;
        lock (_gate)
        {
            if (shared.Succeeded)
            {
                _sharedLastCounted = shared.Value;
            }
            else
            {
                Log.RecoveryCooldownLocal(logger, shared.Failure!);
            }

            last = Latest(_localLastCounted, _sharedLastCounted);
        }

        return Remaining(last);
    }

    /// <summary>
    /// Claims the cooldown for an attempt: an atomic compare-and-set on the shared row, so two instances racing cannot
    /// both act. With <paramref name="force"/> the claim always succeeds (and still restarts the cooldown).
    /// </summary>
    public async Task<bool> TryClaimCooldownAsync(Guid attemptId, DateTimeOffset now, bool force, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // Attempts made while the database was down are known only here until they are written.
            if (!force && Remaining(_localLastCounted) > TimeSpan.Zero)
            {
                return false;
            }
        }

        var threshold = now - options.CurrentValue.Cooldown;
        var claimed = await TryAsync(
            (db, ct) => db.Database.ExecuteSqlAsync(
                $"""
                UPDATE recovery_cooldown SET last_attempt_at = {now}, last_attempt_id = {attemptId}
                WHERE id = {RecoveryCooldownRecord.SingletonId} AND ({force} OR last_attempt_at IS NULL OR last_attempt_at <= {threshold})
                """,
                ct),
            cancellationToken);
        lock (_gate)
        {
            if (claimed.Succeeded && claimed.Value == 0)
            {
                return false;
            }

            if (!claimed.Succeeded)
            {
                Log.RecoveryCooldownLocal(logger, claimed.Failure!);
            }
            else
            {
                _sharedLastCounted = now;
            }

            _localLastCounted = now;
            return true;
        }
    }

    /// <summary>Keeps the attempt (in memory at once, in the database as soon as it answers).</summary>
    public async Task RecordAsync(RecoveryAttempt attempt, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _recent.AddFirst(attempt);
            while (_recent.Count > RecentCapacity)
            {
                _recent.RemoveLast();
            }

            _pending.AddLast(new PendingAttempt(attempt));
            while (_pending.Count > options.CurrentValue.BufferCapacity)
            {
                var dropped = _pending.First!.Value.Attempt;
                _pending.RemoveFirst();
                Log.RecoveryHistoryDropped(logger, options.CurrentValue.BufferCapacity, dropped.Id, dropped.StartedAt);
            }
        }

        await FlushAsync(cancellationToken);
    }

    /// <summary>Writes buffered attempts, oldest first, stopping at the first failure. Returns whether nothing is left.</summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            var written = 0;
            while (true)
            {
                PendingAttempt? next;
                lock (_gate)
                {
                    next = _pending.First?.Value;
                }

                if (next is null)
                {
                    if (written > 0)
                    {
                        Log.RecoveryHistoryFlushed(logger, written);
                    }

                    return true;
                }

                var result = await TryAsync((db, ct) => WriteAsync(db, next, ct), cancellationToken);
                if (!result.Succeeded)
                {
                    Log.RecoveryHistoryBuffered(logger, result.Failure!, PendingWrites);
                    return false;
                }

                lock (_gate)
                {
                    _pending.Remove(next);
                }

                written++;
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>Re-reads what other instances may have changed: the shared cooldown and the latest attempt.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await CooldownRemainingAsync(cancellationToken);
        var last = await TryAsync(
            (db, ct) => db.RecoveryAttempts.AsNoTracking().Include(a => a.Components).OrderByDescending(a => a.StartedAt).FirstOrDefaultAsync(ct),
            cancellationToken);
        if (last is { Succeeded: true, Value: { } record })
        {
            lock (_gate)
            {
                _sharedLastAttempt = FromRecord(record);
            }
        }
    }

    /// <summary>Statistics over the whole stored history; over this process's memory when the database is down.</summary>
    public async Task<RecoveryStatistics> StatisticsAsync(CancellationToken cancellationToken)
    {
        if (await FlushAsync(cancellationToken))
        {
            var stored = await TryAsync(ReadStatisticsAsync, cancellationToken);
            if (stored.Succeeded)
            {
                return stored.Value! with { PendingWrites = PendingWrites };
            }
        }

        List<RecoveryAttempt> recent;
        lock (_gate)
        {
            recent = [.. _recent];
        }

        // The same counts the database query gives, over what this process remembers.
        var attempts = recent.GroupBy(a => Word(a.Outcome)).Select(g => new OutcomeCount(g.Key, g.Count())).ToList();
        var components = recent.SelectMany(a => a.Components)
            .GroupBy(c => (c.Component, Outcome: Word(c.Outcome)))
            .Select(g => new ComponentOutcomeCount(g.Key.Component, g.Key.Outcome, g.Count(), g.Sum(c => c.DurationMs)))
            .ToList();
        return Compute("local", attempts, components, recent, PendingWrites);
    }

    private static async Task<RecoveryStatistics> ReadStatisticsAsync(CareDbContext db, CancellationToken cancellationToken)
    {
        var attempts = await db.RecoveryAttempts
            .GroupBy(a => a.Outcome)
            .Select(g => new OutcomeCount(g.Key, g.Count()))
            .ToListAsync(cancellationToken);
        var components = await db.RecoveryComponentResults
            .GroupBy(c => new { c.Component, c.Outcome })
            .Select(g => new ComponentOutcomeCount(g.Key.Component, g.Key.Outcome, g.Count(), g.Sum(c => c.DurationMs)))
            .ToListAsync(cancellationToken);
        var recent = await db.RecoveryAttempts.AsNoTracking()
            .Include(a => a.Components)
            .OrderByDescending(a => a.StartedAt)
            .Take(RecentCapacity)
            .AsSplitQuery()
            .ToListAsync(cancellationToken);
        return Compute("database", attempts, components, [.. recent.Select(FromRecord)], 0);
    }

    // Success rate and mean time to recover count only actions taken (succeeded or failed); skips are not attempts to repair.
    private static RecoveryStatistics Compute(
        string source,
        IReadOnlyList<OutcomeCount> attempts,
        IReadOnlyList<ComponentOutcomeCount> components,
        IReadOnlyList<RecoveryAttempt> recent,
        int pending)
    {
        var succeeded = components.Where(c => Is(c.Outcome, RecoveryOutcome.Succeeded)).ToList();
        var succeededCount = succeeded.Sum(c => c.Count);
        var acted = succeededCount + Count(components, RecoveryOutcome.Failed);
        var perComponent = components
            .GroupBy(c => c.Component, StringComparer.OrdinalIgnoreCase)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ComponentRecoveryCounts(
                g.Key,
                Count(g, RecoveryOutcome.Succeeded),
                Count(g, RecoveryOutcome.Failed),
                Count(g, RecoveryOutcome.Skipped),
                MeanMs(g.Where(c => Is(c.Outcome, RecoveryOutcome.Succeeded)))))
            .ToList();
        return new RecoveryStatistics(
            source,
            attempts.Sum(a => a.Count),
            attempts.Where(a => Is(a.Outcome, RecoveryOutcome.Succeeded)).Sum(a => a.Count),
            attempts.Where(a => Is(a.Outcome, RecoveryOutcome.Failed)).Sum(a => a.Count),
            attempts.Where(a => Is(a.Outcome, RecoveryOutcome.Skipped)).Sum(a => a.Count),
            acted > 0 ? Math.Round((double)succeededCount / acted, 4) : null,
            MeanMs(succeeded),
            perComponent,
            recent,
            pending);

        static int Count(IEnumerable<ComponentOutcomeCount> groups, RecoveryOutcome outcome) =>
            groups.Where(c => Is(c.Outcome, outcome)).Sum(c => c.Count);

        static double? MeanMs(IEnumerable<ComponentOutcomeCount> groups)
        {
            var (count, totalMs) = groups.Aggregate((Count: 0, TotalMs: 0.0), (sum, c) => (sum.Count + c.Count, sum.TotalMs + c.TotalMs));
            return count > 0 ? Math.Round(totalMs / count, 1) : null;
        }
    }

    private static bool Is(string outcome, RecoveryOutcome expected) => string.Equals(outcome, Word(expected), StringComparison.OrdinalIgnoreCase);

    internal static string Word<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private async Task<int> WriteAsync(CareDbContext db, PendingAttempt pending, CancellationToken cancellationToken)
    {
        // A fresh entity each time: a failed SaveChanges leaves the old one's state behind.
        db.RecoveryAttempts.Add(ToRecord(pending.Attempt));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Written by an earlier flush whose acknowledgement was lost.
        }

        if (pending.Attempt.StartsCooldown)
        {
            // An attempt claimed while the database was down still counts for every instance's cooldown.
            await db.Database.ExecuteSqlAsync(
                $"""
                UPDATE recovery_cooldown SET last_attempt_at = {pending.Attempt.StartedAt}, last_attempt_id = {pending.Attempt.Id}
                WHERE id = {RecoveryCooldownRecord.SingletonId} AND (last_attempt_at IS NULL OR last_attempt_at < {pending.Attempt.StartedAt})
                """,
                cancellationToken);
        }

        return 1;
    }

    private async Task<StoreResult<T>> TryAsync<T>(Func<CareDbContext, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        if (!migrations.Applied)
        {
            return new(false, default, "the schema is not migrated yet");
        }

        var timeout = options.CurrentValue.StoreTimeout;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CareDbContext>();
            db.Database.SetCommandTimeout(timeout);
            return new(true, await work(db, bounded.Token), null);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && exception is DbException or DbUpdateException or OperationCanceledException or InvalidOperationException or TimeoutException)
        {
            var reason = bounded.IsCancellationRequested ? $"no answer within {timeout.TotalSeconds:0.#} s" : exception.GetType().Name;
            return new(false, default, reason);
        }
    }

    private TimeSpan Remaining(DateTimeOffset? last)
    {
        if (last is null)
        {
            return TimeSpan.Zero;
        }

        var remaining = last.Value + options.CurrentValue.Cooldown - time.GetUtcNow();
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private static RecoveryAttemptRecord ToRecord(RecoveryAttempt attempt) => new()
    {
        Id = attempt.Id,
        Trigger = Word(attempt.Trigger),
        Caller = attempt.Caller,
        Reason = attempt.Reason,
        Instance = attempt.Instance,
        StartedAt = attempt.StartedAt,
        DurationMs = attempt.DurationMs,
        Outcome = Word(attempt.Outcome),
        Summary = Truncate(attempt.Summary, 1000)!,
        Components =
        [
            .. attempt.Components.Select((c, i) => new RecoveryComponentRecord
            {
                AttemptId = attempt.Id,
                Component = c.Component,
                Ordinal = i,
                Critical = c.Critical,
                BeforeStatus = Word(c.Before.Status),
                BeforeLatencyMs = c.Before.LatencyMs,
                BeforeError = Truncate(c.Before.Error, 500),
                Action = c.Action,
                AfterStatus = c.After is null ? null : Word(c.After.Status),
                AfterLatencyMs = c.After?.LatencyMs,
                AfterError = Truncate(c.After?.Error, 500),
                Outcome = Word(c.Outcome),
                Detail = Truncate(c.Detail, 500)!,
                DurationMs = c.DurationMs,
            }),
        ],
    };

    private static RecoveryAttempt FromRecord(RecoveryAttemptRecord record) => new(
        record.Id,
        Enum.Parse<RecoveryTrigger>(record.Trigger, ignoreCase: true),
        record.Caller,
        record.Reason,
        record.Instance,
        record.StartedAt,
        record.DurationMs,
        Enum.Parse<RecoveryOutcome>(record.Outcome, ignoreCase: true),
        record.Summary,
        [
            .. record.Components.OrderBy(c => c.Ordinal).Select(c => new ComponentRecovery(
                c.Component,
                c.Critical,
                new ComponentEvidence(Enum.Parse<ComponentStatus>(c.BeforeStatus, ignoreCase: true), c.BeforeLatencyMs, c.BeforeError),
                c.Action,
                c.AfterStatus is null ? null : new ComponentEvidence(Enum.Parse<ComponentStatus>(c.AfterStatus, ignoreCase: true), c.AfterLatencyMs, c.AfterError),
                Enum.Parse<RecoveryOutcome>(c.Outcome, ignoreCase: true),
                c.Detail,
                c.DurationMs)),
        ]);

    private static string? Truncate(string? value, int length) => value is null || value.Length <= length ? value : value[..length];

    // A reference type, so removing it after a flush removes exactly this one.
    private sealed record PendingAttempt(RecoveryAttempt Attempt);

    private readonly record struct StoreResult<T>(bool Succeeded, T? Value, string? Failure);

    private sealed record OutcomeCount(string Outcome, int Count);

    private sealed record ComponentOutcomeCount(string Component, string Outcome, int Count, double TotalMs);
}
