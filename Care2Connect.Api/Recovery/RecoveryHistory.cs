using Care2Connect.Api.Data;
using Care2Connect.Api.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Care2Connect.Api.Recovery;

/// <summary>
/// Recovery history in PostgreSQL, so every API instance sees the same one and it survives restarts. While the
/// database does not answer (within <see cref="RecoveryOptions.StoreTimeout"/>), attempts wait in memory (bounded by
/// <see cref="RecoveryOptions.BufferCapacity"/>) and are written, idempotently, once it answers again. A crash during
/// an outage loses the attempts still buffered.
/// </summary>
internal sealed class RecoveryHistory(
    RecoveryDatabase database,
    IOptionsMonitor<RecoveryOptions> options,
    ILogger<RecoveryHistory> logger)
{
    public const int RecentCapacity = 50;

    private readonly Lock _gate = new();
    private readonly LinkedList<PendingAttempt> _pending = new();
    private readonly LinkedList<RecoveryAttempt> _recent = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
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

    /// <summary>The latest attempt this process knows of, its own or (since the last refresh) another instance's.</summary>
    public RecoveryAttempt? LastAttempt
    {
        get
        {
            lock (_gate)
            {
                var local = _recent.First?.Value;
                return local is null || (_sharedLastAttempt is { } shared && shared.StartedAt > local.StartedAt) ? _sharedLastAttempt : local;
            }
        }
    }

    /// <summary>This process's own attempts, newest first (at most <see cref="RecentCapacity"/>).</summary>
    public IReadOnlyList<RecoveryAttempt> Recent
    {
        get
        {
            lock (_gate)
            {
                return [.. _recent];
            }
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

                var result = await database.TryAsync((db, ct) => WriteAsync(db, next, ct), cancellationToken);
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

    /// <summary>Re-reads the latest attempt, which another instance may have made.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var last = await database.TryAsync(
            (db, ct) => db.RecoveryAttempts.AsNoTracking().Include(a => a.Components).OrderByDescending(a => a.StartedAt).FirstOrDefaultAsync(ct),
            cancellationToken);
        if (last is { Succeeded: true, Value: { } record })
        {
            lock (_gate)
            {
                _sharedLastAttempt = RecoveryRecordMapping.FromRecord(record);
            }
        }
    }

    private static async Task<int> WriteAsync(CareDbContext db, PendingAttempt pending, CancellationToken cancellationToken)
    {
        // A fresh entity each time: a failed SaveChanges leaves the old one's state behind.
        db.RecoveryAttempts.Add(RecoveryRecordMapping.ToRecord(pending.Attempt));
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

    // A reference type, so removing it after a flush removes exactly this one.
    private sealed record PendingAttempt(RecoveryAttempt Attempt);
}
