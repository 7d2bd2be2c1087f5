using Care2Connect.Api.Data.Entities;
using Care2Connect.Api.Tickets;

namespace Care2Connect.Tests.Unit;

public sealed class ContactMaskingTests
{
    [Theory]
    [InlineData("Email", "jane.doe@example.org", "j***@example.org")]
    [InlineData("Phone", "+44 20 7946 0958", "********0958")]
    [InlineData("Sms", "(555) 123-4567", "******4567")]
    [InlineData("Phone", "5551 2345", "****2345")]
    [InlineData("Phone", "5551234", "*****34")]
    [InlineData("None", null, null)]
    public void Masks_keep_too_little_to_contact_anyone(string type, string? value, string? expected) =>
        Assert.Equal(expected, ContactMasking.Mask(Enum.Parse<ContactType>(type), value));

    [Fact]
    public void A_masked_email_never_contains_the_local_part()
    {
        var masked = ContactMasking.Mask(ContactType.Email, "secretname@example.org");

        Assert.DoesNotContain("secretname", masked, StringComparison.Ordinal);
    }
}
