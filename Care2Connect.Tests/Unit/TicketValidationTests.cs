using Care2Connect.Api.Data.Entities;
using Care2Connect.Api.Tickets;

namespace Care2Connect.Tests.Unit;

public sealed class TicketValidationTests
{
    private const string Valid = "valid";

    // Each row breaks exactly one field and names the field that must be reported.
    public static TheoryData<string, string?, string?, string?, string> RejectedCreates => new()
    {
        { "display name missing", null, "EMAIL", "jane@example.org", "displayName" },
        { "display name blank", "   ", "EMAIL", "jane@example.org", "displayName" },
        { "display name too long", new string('a', 101), "EMAIL", "jane@example.org", "displayName" },
        { "display name with control character", "Jane\u0007", "EMAIL", "jane@example.org", "displayName" },
        { "contact type missing", "Jane", null, "jane@example.org", "contactType" },
        { "contact type unknown", "Jane", "FAX", "jane@example.org", "contactType" },
        { "contact type numeric", "Jane", "1", "jane@example.org", "contactType" },
        { "email missing", "Jane", "EMAIL", null, "contactValue" },
        { "email malformed", "Jane", "EMAIL", "jane-at-example", "contactValue" },
        { "email without a domain dot", "Jane", "EMAIL", "jane@localhost", "contactValue" },
        { "email with a display name", "Jane", "EMAIL", "Jane <jane@example.org>", "contactValue" },
        { "email too long", "Jane", "EMAIL", new string('a', 250) + "@example.org", "contactValue" },
        { "phone missing", "Jane", "PHONE", null, "contactValue" },
        { "phone too short", "Jane", "PHONE", "12345", "contactValue" },
        { "phone too long", "Jane", "SMS", "+1234567890123456", "contactValue" },
        { "phone with letters", "Jane", "PHONE", "555-CALL-NOW", "contactValue" },
        { "value given for NONE", "Jane", "NONE", "jane@example.org", "contactValue" },
    };

    [Theory]
    [MemberData(nameof(RejectedCreates))]
    public void Create_rejects_each_invalid_field_by_name(string because, string? displayName, string? contactType, string? contactValue, string field)
    {
        var errors = TicketValidation.Validate(new CreateTicketRequest(displayName, contactType, contactValue), out var fields);

        Assert.Null(fields);
        Assert.True(errors.ContainsKey(field), $"{because}: expected an error for '{field}', got [{string.Join(", ", errors.Keys)}]");
        Assert.Single(errors);
    }

    [Theory]
    [InlineData("EMAIL", "jane@example.org")]
    [InlineData("email", "jane.doe+story@mail.example.co.uk")]
    [InlineData("PHONE", "+44 20 7946 0958")]
    [InlineData("SMS", "(555) 123-4567")]
    [InlineData("NONE", null)]
    [InlineData("NONE", "  ")]
    public void Create_accepts_valid_contacts(string contactType, string? contactValue)
    {
        var errors = TicketValidation.Validate(new CreateTicketRequest("  Jane  ", contactType, contactValue), out var fields);

        Assert.Empty(errors);
        Assert.NotNull(fields);
        Assert.Equal("Jane", fields.DisplayName);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ARCHIVED")]
    [InlineData("3")]
    public void Update_rejects_a_missing_or_unknown_status(string? status)
    {
        var errors = TicketValidation.Validate(new UpdateTicketRequest("Jane", "NONE", null, status), out var fields, out _);

        Assert.Null(fields);
        Assert.Equal(["status"], errors.Keys);
    }

    [Fact]
    public void Update_reports_every_invalid_field_at_once()
    {
        var errors = TicketValidation.Validate(new UpdateTicketRequest("", "FAX", null, "nope"), out _, out _);

        Assert.Equal(["contactType", "displayName", "status"], errors.Keys.Order());
    }

    [Theory]
    [InlineData("needs_info", "NeedsInfo")]
    [InlineData("PUBLISHED", "Published")]
    public void Statuses_parse_case_insensitively(string status, string expected)
    {
        var errors = TicketValidation.Validate(new UpdateTicketRequest(Valid, "NONE", null, status), out _, out var parsed);

        Assert.Empty(errors);
        Assert.Equal(Enum.Parse<TicketStatus>(expected), parsed);
    }

    [Theory]
    [InlineData("DONE", 1, 20, "status")]
    [InlineData(null, 0, 20, "page")]
    [InlineData(null, 1, 0, "pageSize")]
    [InlineData(null, 1, 101, "pageSize")]
    public void Query_rejects_each_invalid_parameter(string? status, int page, int pageSize, string field)
    {
        var errors = TicketValidation.ValidateQuery(status, page, pageSize, out _);

        Assert.Equal([field], errors.Keys);
    }
}
