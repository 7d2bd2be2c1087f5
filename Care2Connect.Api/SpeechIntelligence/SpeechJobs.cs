using Care2Connect.Api.Data.Entities;
using Care2Connect.Api.Data.Resilience;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.SpeechIntelligence;

/// <summary>A periodic job of the speech intelligence host.</summary>
internal interface ISpeechJob
{
    string Name { get; }

    TimeSpan Interval(SpeechIntelligenceOptions options);

    /// <summary>Runs once; returns a one-line summary of what it did, or throws.</summary>
    Task<string> RunAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Deletes transcription sessions past their retention date, idempotency keys past their lifetime, and recovery
/// attempts past <see cref="RecoveryHistoryLimits.HistoryRetention"/> or beyond the newest
/// <see cref="RecoveryHistoryLimits.HistoryMaxAttempts"/> (their component results go with them: the foreign key cascades).
/// </summary>
internal sealed class RetentionJob(ResilientDatabase database, IOptions<RecoveryHistoryLimits> limits, TimeProvider time) : ISpeechJob
{
    public const string JobName = "retention";

    public string Name => JobName;

    public TimeSpan Interval(SpeechIntelligenceOptions options) => options.RetentionInterval;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var attemptsCutoff = now - limits.Value.HistoryRetention;
        var maxAttempts = limits.Value.HistoryMaxAttempts;
        var (sessions, keys, attempts) = await database.ExecuteAsync("speech.retention", UnitOfWorkSafety.Idempotent, async (db, ct) =>
        {
            var sessions = await db.TranscriptionSessions.Where(s => s.RetainUntil <= now).ExecuteDeleteAsync(ct);
            var keys = await db.IdempotencyKeys.Where(k => k.ExpiresAt <= now).ExecuteDeleteAsync(ct);
            var attempts = await db.RecoveryAttempts.Where(a => a.StartedAt < attemptsCutoff).ExecuteDeleteAsync(ct);

            // The start of the newest attempt that is one too many; it and everything older go (ties included).
            var firstTooMany = await db.RecoveryAttempts
                .OrderByDescending(a => a.StartedAt)
                .Skip(maxAttempts)
                .Select(a => (DateTimeOffset?)a.StartedAt)
                .FirstOrDefaultAsync(ct);
            if (firstTooMany is { } boundary)
            {
                attempts += await db.RecoveryAttempts.Where(a => a.StartedAt <= boundary).ExecuteDeleteAsync(ct);
            }

            return (sessions, keys, attempts);
        }, cancellationToken);
        return $"deleted {sessions} expired transcription sessions, {keys} expired idempotency keys and {attempts} old recovery attempts";
    }
}

/// <summary>
/// Proves the speech pipeline's storage end to end: writes a test session, reads it back, checks it, deletes it.
/// A test session left behind by a crash carries a short retention date, so the retention job removes it.
/// </summary>
internal sealed class SmokeTestJob(ResilientDatabase database, TimeProvider time) : ISpeechJob
{
    public const string JobName = "smoke-test";

    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(10);

    public string Name => JobName;

    public TimeSpan Interval(SpeechIntelligenceOptions options) => options.SmokeTestInterval;

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        var transcript = $"smoke test {id:N}";
        await database.ExecuteAsync("speech.smoke.write", UnitOfWorkSafety.Idempotent, async (db, ct) =>
        {
            // Safe to run again: a retry after a lost commit acknowledgement finds its own row.
            if (!await db.TranscriptionSessions.AnyAsync(s => s.Id == id, ct))
            {
                db.TranscriptionSessions.Add(new TranscriptionSession
                {
                    Id = id,
                    Kind = TranscriptionSessionKind.SmokeTest,
                    Status = TranscriptionStatus.Completed,
                    Language = "en",
                    Transcript = transcript,
                    CreatedAt = now,
                    RetainUntil = now.AddHours(1),
                });
                await db.SaveChangesAsync(ct);
            }

            return true;
        }, cancellationToken);

        int deleted;
        try
        {
            var readBack = await database.ExecuteAsync(
                "speech.smoke.read",
                UnitOfWorkSafety.ReadOnly,
                (db, ct) => db.TranscriptionSessions.AsNoTracking().Where(s => s.Id == id).Select(s => s.Transcript).SingleOrDefaultAsync(ct),
                cancellationToken);
            if (readBack != transcript)
            {
                throw new InvalidOperationException("The smoke-test session read back differs from what was written.");
            }
        }
        finally
        {
            // Once written, the test session is deleted even when the run fails or the host stops mid-run (bounded,
            // and independent of the run's token); a crash here leaves it to the retention job.
            using var cleanup = new CancellationTokenSource(CleanupTimeout, time);
            deleted = await database.ExecuteAsync(
                "speech.smoke.delete",
                UnitOfWorkSafety.Idempotent,
                (db, ct) => db.TranscriptionSessions.Where(s => s.Id == id).ExecuteDeleteAsync(ct),
                cleanup.Token);
        }

        return deleted == 1 ? "wrote, read back and deleted a test session" : "wrote and read back a test session; it was already gone when deleted";
    }
}
