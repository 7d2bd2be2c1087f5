using System.ComponentModel.DataAnnotations;

namespace Care2Connect.Api.SpeechIntelligence;

/// <summary>The speech intelligence job host (section <c>SpeechIntelligence</c>).</summary>
internal sealed class SpeechIntelligenceOptions
{
    public const string Section = "SpeechIntelligence";

    /// <summary>How often expired transcription sessions (and expired idempotency keys) are deleted.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "7.00:00:00")]
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the smoke test writes, reads back and deletes a test session.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan SmokeTestInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Upper bound for one run of any job; a run that takes longer fails.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan JobTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a restart waits for the first round of jobs before the host reports it as started.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan RestartTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
