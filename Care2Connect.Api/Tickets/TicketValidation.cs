using System.Net.Mail;
using System.Text.RegularExpressions;
using Care2Connect.Api.Data.Entities;

namespace Care2Connect.Api.Tickets;

/// <summary>
/// Input rules for tickets. Each rejected field gets its own message under its JSON name, so a client can
/// show the error beside the field.
/// </summary>
internal static partial class TicketValidation
{
    public const int DisplayNameMaxLength = TicketConfiguration.DisplayNameMaxLength;
    public const int ContactValueMaxLength = TicketConfiguration.ContactValueMaxLength;
    public const int MaxPageSize = 100;

    public sealed record ValidTicketFields(string DisplayName, ContactType ContactType, string? ContactValue);

    public static Dictionary<string, string[]> Validate(CreateTicketRequest request, out ValidTicketFields? fields)
    {
        var errors = new Dictionary<string, string[]>();
        fields = ValidateFields(request.DisplayName, request.ContactType, request.ContactValue, errors);
        return errors;
    }

    public static Dictionary<string, string[]> Validate(UpdateTicketRequest request, out ValidTicketFields? fields, out TicketStatus status)
    {
        var errors = new Dictionary<string, string[]>();
        fields = ValidateFields(request.DisplayName, request.ContactType, request.ContactValue, errors);
        status = default;
        if (string.IsNullOrWhiteSpace(request.Status))
        {
            errors["status"] = ["Status is required."];
        }
        else if (!TicketWireNames.TryParseStatus(request.Status, out status))
        {
            errors["status"] = [$"Status must be one of {string.Join(", ", TicketWireNames.AllStatuses)}."];
        }

        if (errors.Count > 0)
        {
            fields = null;
        }

        return errors;
    }

    public static Dictionary<string, string[]> ValidateQuery(string? status, int? page, int? pageSize, out TicketStatus? statusFilter)
    {
        var errors = new Dictionary<string, string[]>();
        statusFilter = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (TicketWireNames.TryParseStatus(status, out var parsed))
            {
                statusFilter = parsed;
            }
            else
            {
                errors["status"] = [$"Status must be one of {string.Join(", ", TicketWireNames.AllStatuses)}."];
            }
        }

        if (page is < 1)
        {
            errors["page"] = ["Page must be 1 or more."];
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            errors["pageSize"] = [$"Page size must be between 1 and {MaxPageSize}."];
        }

        return errors;
    }

    private static ValidTicketFields? ValidateFields(string? displayName, string? contactTypeText, string? contactValue, Dictionary<string, string[]> errors)
    {
        var name = displayName?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            errors["displayName"] = ["Display name is required."];
        }
        else if (name.Length > DisplayNameMaxLength)
        {
            errors["displayName"] = [$"Display name must be at most {DisplayNameMaxLength} characters."];
        }
        else if (name.Any(char.IsControl))
        {
            errors["displayName"] = ["Display name must not contain control characters."];
        }

        var value = string.IsNullOrWhiteSpace(contactValue) ? null : contactValue.Trim();
        ContactType contactType = default;
        if (string.IsNullOrWhiteSpace(contactTypeText))
        {
            errors["contactType"] = ["Contact type is required."];
        }
        else if (!TicketWireNames.TryParseContactType(contactTypeText, out contactType))
        {
            errors["contactType"] = [$"Contact type must be one of {string.Join(", ", TicketWireNames.AllContactTypes)}."];
        }
        else if (ContactValueError(contactType, value) is { } contactError)
        {
            errors["contactValue"] = [contactError];
        }

        return errors.Count == 0 ? new ValidTicketFields(name!, contactType, value) : null;
    }

    private static string? ContactValueError(ContactType type, string? value) => type switch
    {
        ContactType.None when value is not null => "Contact value must be empty when the contact type is NONE.",
        ContactType.None => null,
        _ when value is null => "Contact value is required for this contact type.",
        _ when value.Length > ContactValueMaxLength => $"Contact value must be at most {ContactValueMaxLength} characters.",
        ContactType.Email when !IsEmail(value) => "Contact value must be an email address.",
        ContactType.Phone or ContactType.Sms when !PhonePattern().IsMatch(value) => "Contact value must be a phone number (7 to 15 digits, optionally starting with +).",
        _ => null,
    };

    private static bool IsEmail(string value) =>
        MailAddress.TryCreate(value, out var address)
        && address.Address == value
        && address.Host.Contains('.', StringComparison.Ordinal);

    // Digits with the usual separators; 7–15 digits in all (E.164 allows at most 15).
    [GeneratedRegex(@"^\+?(?:[\s().-]*\d){7,15}[\s().-]*$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex PhonePattern();
}
