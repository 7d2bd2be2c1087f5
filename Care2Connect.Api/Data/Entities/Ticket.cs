namespace Care2Connect.Api.Data.Entities;

/// <summary>
/// A recording ticket: one person's recorded story on its way from a draft to a published page.
/// Holds personal contact details, so it is only ever returned through <see cref="TicketResponse"/>.
/// </summary>
internal sealed class Ticket
{
    public Guid Id { get; init; }

    public required string DisplayName { get; set; }

    public ContactType ContactType { get; set; }

    /// <summary>Email address or phone number; null when <see cref="ContactType"/> is <see cref="ContactType.None"/>.</summary>
    public string? ContactValue { get; set; }

    public TicketStatus Status { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>PostgreSQL's <c>xmin</c>: changes on every update, so it is the ETag and the concurrency token.</summary>
    public uint Version { get; set; }
}

internal enum ContactType
{
    None,
    Email,
    Phone,
    Sms,
}

internal enum TicketStatus
{
    Draft,
    Recording,
    Processing,
    Ready,
    Published,
    Error,
    NeedsInfo,
}
