using System.ComponentModel.DataAnnotations;

namespace Care2Connect.Api.SpeechIntelligence;

/// <summary>
/// How much recovery history the retention job keeps. The settings sit in section <c>Recovery</c> with the rest of
/// recovery's, but only the retention job reads them: the job host sits below recovery (recovery probes and restarts
/// it), so it must not depend on recovery's own options.
/// </summary>
internal sealed class RecoveryHistoryLimits
{
    public const string Section = "Recovery";

    /// <summary>
    /// Recovery attempts (and their per-component results) older than this are deleted by the periodic retention job
    /// (<c>SpeechIntelligence:RetentionInterval</c>, hourly). 90 days: long enough to compare a quarter's incidents.
    /// </summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// At most this many attempts are kept, the newest; the retention job deletes the rest. Bounds the table when
    /// something triggers recovery far more often than expected (the cooldown limits attempts that act, not all).
    /// </summary>
    [Range(100, 10_000_000)]
    public int HistoryMaxAttempts { get; set; } = 10_000;
}
