using Care2Connect.Api.Data.Entities;

namespace Care2Connect.Api.Tickets;

/// <summary>Masks contact values for lists: enough to recognise a ticket, not enough to contact the person.</summary>
internal static class ContactMasking
{
    private const char MaskChar = '*';

    public static string? Mask(ContactType type, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return type == ContactType.Email ? MaskEmail(value) : MaskPhone(value);
    }

    // j***@example.org: first character of the local part, the domain kept (it identifies no one by itself).
    private static string MaskEmail(string value)
    {
        var at = value.LastIndexOf('@');
        if (at <= 0)
        {
            return new string(MaskChar, value.Length);
        }

        return string.Concat(value.AsSpan(0, 1), new string(MaskChar, 3), value.AsSpan(at));
    }

    // ******4567: only the last four digits survive (two for short numbers, which four would nearly reveal).
    private static string MaskPhone(string value)
    {
        var digits = value.Where(char.IsAsciiDigit).ToArray();
        var keep = digits.Length >= 8 ? 4 : Math.Min(2, digits.Length);
        return new string(MaskChar, digits.Length - keep) + new string(digits[^keep..]);
    }
}
