using System.Collections.Frozen;
using Care2Connect.Api.Data.Entities;

namespace Care2Connect.Api.Tickets;

/// <summary>
/// The names clients see: statuses in SCREAMING_SNAKE_CASE (as the original system spelled them) and contact
/// types in upper case. Parsing is by exact, case-insensitive name; numbers are never accepted.
/// </summary>
internal static class TicketWireNames
{
    private static readonly FrozenDictionary<TicketStatus, string> StatusNames = new Dictionary<TicketStatus, string>
    {
        [TicketStatus.Draft] = "DRAFT",
        [TicketStatus.Recording] = "RECORDING",
        [TicketStatus.Processing] = "PROCESSING",
        [TicketStatus.Ready] = "READY",
        [TicketStatus.Published] = "PUBLISHED",
        [TicketStatus.Error] = "ERROR",
        [TicketStatus.NeedsInfo] = "NEEDS_INFO",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, TicketStatus> StatusesByName =
        StatusNames.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, ContactType> ContactTypesByName =
        Enum.GetValues<ContactType>().ToFrozenDictionary(ToWire, type => type, StringComparer.OrdinalIgnoreCase);

    public static IEnumerable<string> AllStatuses => StatusNames.Values;

    public static IEnumerable<string> AllContactTypes => ContactTypesByName.Keys;

    public static string ToWire(TicketStatus status) => StatusNames[status];

    public static string ToWire(ContactType type) => type.ToString().ToUpperInvariant();

    public static bool TryParseStatus(string? value, out TicketStatus status) =>
        StatusesByName.TryGetValue(value ?? string.Empty, out status);

    public static bool TryParseContactType(string? value, out ContactType type) =>
        ContactTypesByName.TryGetValue(value ?? string.Empty, out type);
}
