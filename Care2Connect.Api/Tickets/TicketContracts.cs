using Care2Connect.Api.Data.Entities;

namespace Care2Connect.Api.Tickets;

// Wire contracts. Enum-like fields are strings so that a bad value becomes a 400 that names the field,
// instead of a JSON deserialization failure that names nothing.

internal sealed record CreateTicketRequest(string? DisplayName, string? ContactType, string? ContactValue);

internal sealed record UpdateTicketRequest(string? DisplayName, string? ContactType, string? ContactValue, string? Status);

internal sealed record TicketResponse(
    Guid Id,
    string DisplayName,
    string ContactType,
    string? ContactValue,
    string Status,
    IReadOnlyList<string> AllowedNextStatuses,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string Version)
{
    public static TicketResponse From(Ticket ticket) => new(
        ticket.Id,
        ticket.DisplayName,
        TicketWireNames.ToWire(ticket.ContactType),
        ticket.ContactValue,
        TicketWireNames.ToWire(ticket.Status),
        [.. TicketLifecycle.NextOf(ticket.Status).Select(TicketWireNames.ToWire)],
        ticket.CreatedAt,
        ticket.UpdatedAt,
        ticket.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>A ticket in a list: the contact value is masked, since lists are read over many shoulders.</summary>
internal sealed record TicketSummary(
    Guid Id,
    string DisplayName,
    string ContactType,
    string? MaskedContactValue,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

internal sealed record TicketPage(IReadOnlyList<TicketSummary> Items, int Page, int PageSize, int TotalCount);
