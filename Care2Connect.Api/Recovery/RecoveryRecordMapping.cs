using Care2Connect.Api.Data.Entities;

namespace Care2Connect.Api.Recovery;

/// <summary>Recovery attempts to and from their stored rows (<c>recovery_attempts</c>, <c>recovery_component_results</c>).</summary>
internal static class RecoveryRecordMapping
{
    public static RecoveryAttemptRecord ToRecord(RecoveryAttempt attempt) => new()
    {
        Id = attempt.Id,
        Trigger = Words.Of(attempt.Trigger),
        Caller = attempt.Caller,
        Reason = attempt.Reason,
        Instance = attempt.Instance,
        StartedAt = attempt.StartedAt,
        DurationMs = attempt.DurationMs,
        Outcome = Words.Of(attempt.Outcome),
        Summary = Truncate(attempt.Summary, 1000)!,
        Components =
        [
            .. attempt.Components.Select((c, i) => new RecoveryComponentRecord
            {
                AttemptId = attempt.Id,
                Component = c.Component,
                Ordinal = i,
                Critical = c.Critical,
                BeforeStatus = Words.Of(c.Before.Status),
                BeforeLatencyMs = c.Before.LatencyMs,
                BeforeError = Truncate(c.Before.Error, 500),
                Action = c.Action,
                AfterStatus = c.After is null ? null : Words.Of(c.After.Status),
                AfterLatencyMs = c.After?.LatencyMs,
                AfterError = Truncate(c.After?.Error, 500),
                Outcome = Words.Of(c.Outcome),
                Detail = Truncate(c.Detail, 500)!,
                DurationMs = c.DurationMs,
            }),
        ],
    };

    public static RecoveryAttempt FromRecord(RecoveryAttemptRecord record) => new(
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
}
