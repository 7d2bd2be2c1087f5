using Care2Connect.Api.Data;
using Microsoft.EntityFrameworkCore;

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

/// <summary>
/// <c>/health/recovery-stats</c>: success rate and mean time to recover over the whole stored history, or over this
/// process's memory when the database does not answer (then <see cref="RecoveryStatistics.Source"/> says <c>local</c>).
/// </summary>
internal sealed class RecoveryStatisticsReader(RecoveryHistory history, RecoveryDatabase database)
{
    public async Task<RecoveryStatistics> ReadAsync(CancellationToken cancellationToken)
    {
        if (await history.FlushAsync(cancellationToken))
        {
            var stored = await database.TryAsync(ReadStoredAsync, cancellationToken);
            if (stored.Succeeded)
            {
                return stored.Value! with { PendingWrites = history.PendingWrites };
            }
        }

        var recent = history.Recent;

        // The same counts the database query gives, over what this process remembers.
        var attempts = recent.GroupBy(a => Words.Of(a.Outcome)).Select(g => new OutcomeCount(g.Key, g.Count())).ToList();
        var components = recent.SelectMany(a => a.Components)
            .GroupBy(c => (c.Component, Outcome: Words.Of(c.Outcome)))
            .Select(g => new ComponentOutcomeCount(g.Key.Component, g.Key.Outcome, g.Count(), g.Sum(c => c.DurationMs)))
            .ToList();
        return Compute("local", attempts, components, recent, history.PendingWrites);
    }

    private static async Task<RecoveryStatistics> ReadStoredAsync(CareDbContext db, CancellationToken cancellationToken)
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
            .Take(RecoveryHistory.RecentCapacity)
            .AsSplitQuery()
            .ToListAsync(cancellationToken);
        return Compute("database", attempts, components, [.. recent.Select(RecoveryRecordMapping.FromRecord)], 0);
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

    private static bool Is(string outcome, RecoveryOutcome expected) => string.Equals(outcome, Words.Of(expected), StringComparison.OrdinalIgnoreCase);

    private sealed record OutcomeCount(string Outcome, int Count);

    private sealed record ComponentOutcomeCount(string Component, string Outcome, int Count, double TotalMs);
}
