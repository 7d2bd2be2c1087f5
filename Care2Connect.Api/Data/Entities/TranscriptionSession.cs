namespace Care2Connect.Api.Data.Entities;

/// <summary>
/// One recording session of a ticket's story on its way through speech-to-text. Transcripts are personal data, so
/// every session carries the date after which it must be deleted; the speech intelligence job host enforces it.
/// </summary>
internal sealed class TranscriptionSession
{
    public Guid Id { get; init; }

    /// <summary>The ticket whose story this is; null for the job host's own smoke-test sessions.</summary>
    public Guid? TicketId { get; init; }

    public TranscriptionSessionKind Kind { get; init; }

    public TranscriptionStatus Status { get; set; }

    /// <summary>BCP 47 language tag of the recording.</summary>
    public required string Language { get; init; }

    public string? Transcript { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>After this instant the session (and its transcript) is deleted.</summary>
    public DateTimeOffset RetainUntil { get; set; }
}

internal enum TranscriptionSessionKind
{
    Story,
    SmokeTest,
}

internal enum TranscriptionStatus
{
    Pending,
    Transcribing,
    Completed,
    Failed,
}
