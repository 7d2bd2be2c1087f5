using System.Collections.Frozen;
using Care2Connect.Api.Data.Entities;

namespace Care2Connect.Api.Tickets;

/// <summary>
/// The status lifecycle: DRAFT → RECORDING → PROCESSING → READY → PUBLISHED, with ERROR and NEEDS_INFO as
/// detours. Staying in the same status is always allowed (an update of other fields).
/// </summary>
internal static class TicketLifecycle
{
    private static readonly FrozenDictionary<TicketStatus, TicketStatus[]> Allowed = new Dictionary<TicketStatus, TicketStatus[]>
    {
        [TicketStatus.Draft] = [TicketStatus.Recording, TicketStatus.Error],
        [TicketStatus.Recording] = [TicketStatus.Processing, TicketStatus.Draft, TicketStatus.Error],
        [TicketStatus.Processing] = [TicketStatus.Ready, TicketStatus.NeedsInfo, TicketStatus.Error],
        [TicketStatus.Ready] = [TicketStatus.Published, TicketStatus.NeedsInfo, TicketStatus.Error],
        // A published story can be taken down for more information, but never silently rewound to a draft.
        [TicketStatus.Published] = [TicketStatus.NeedsInfo],
        [TicketStatus.NeedsInfo] = [TicketStatus.Recording, TicketStatus.Processing, TicketStatus.Error],
        [TicketStatus.Error] = [TicketStatus.Draft, TicketStatus.Recording, TicketStatus.Processing],
    }.ToFrozenDictionary();

    public static bool CanMove(TicketStatus from, TicketStatus to) =>
        from == to || Allowed[from].Contains(to);

    public static IReadOnlyList<TicketStatus> NextOf(TicketStatus from) => Allowed[from];
}
