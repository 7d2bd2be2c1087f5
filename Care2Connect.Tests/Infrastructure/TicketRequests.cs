using System.Text.Json;

namespace Care2Connect.Tests.Infrastructure;

/// <summary>Ticket calls the data layer's tests make as a client would.</summary>
internal static class TicketRequests
{
    /// <summary>Creates a ticket with no contact details and returns its id; anything but 201 fails the test.</summary>
    public static async Task<Guid> CreateTicketAsync(this HttpClient client, string displayName)
    {
        using var response = await client.PostAsJsonAsync("/api/tickets", new { displayName, contactType = "NONE" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }
}
