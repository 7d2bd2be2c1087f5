using Care2Connect.Api.Data.Entities;
using Care2Connect.Api.Tickets;

namespace Care2Connect.Tests.Unit;

public sealed class TicketLifecycleTests
{
    [Theory]
    [InlineData("Draft", "Recording")]
    [InlineData("Recording", "Processing")]
    [InlineData("Processing", "Ready")]
    [InlineData("Ready", "Published")]
    [InlineData("Processing", "NeedsInfo")]
    [InlineData("NeedsInfo", "Recording")]
    [InlineData("Recording", "Error")]
    [InlineData("Error", "Draft")]
    public void Allowed_transitions_are_allowed(string from, string to) =>
        Assert.True(TicketLifecycle.CanMove(Enum.Parse<TicketStatus>(from), Enum.Parse<TicketStatus>(to)));

    [Theory]
    [InlineData("Draft", "Published")]
    [InlineData("Draft", "Ready")]
    [InlineData("Recording", "Published")]
    [InlineData("Published", "Draft")]
    [InlineData("Published", "Error")]
    [InlineData("Ready", "Draft")]
    public void Skipping_or_rewinding_is_refused(string from, string to) =>
        Assert.False(TicketLifecycle.CanMove(Enum.Parse<TicketStatus>(from), Enum.Parse<TicketStatus>(to)));

    [Fact]
    public void Every_status_may_stay_where_it_is_and_has_a_way_out()
    {
        foreach (var status in Enum.GetValues<TicketStatus>())
        {
            Assert.True(TicketLifecycle.CanMove(status, status));
            Assert.NotEmpty(TicketLifecycle.NextOf(status));
        }
    }

    [Fact]
    public void The_happy_path_reaches_published_from_draft()
    {
        TicketStatus[] path = [TicketStatus.Draft, TicketStatus.Recording, TicketStatus.Processing, TicketStatus.Ready, TicketStatus.Published];
        for (var i = 1; i < path.Length; i++)
        {
            Assert.True(TicketLifecycle.CanMove(path[i - 1], path[i]), $"{path[i - 1]} -> {path[i]}");
        }
    }
}
