using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Security;

internal enum ApiKeyRole
{
    None,
    Operator,
    Admin,
}

/// <summary>
/// Which configured key a presented key matched: its role and its slot (its index in <c>Auth:AdminKeys</c> or
/// <c>Auth:OperatorKeys</c>). <see cref="Identity"/> (<c>admin#0</c>, <c>operator#1</c>) names the key without
/// revealing it, so audits can say which key was used and an operator can tell when an old key is still in use
/// before removing it.
/// </summary>
internal readonly record struct ApiKeyMatch(ApiKeyRole Role, int Slot)
{
    public static readonly ApiKeyMatch None = new(ApiKeyRole.None, -1);

    public string Identity => Role switch
    {
        ApiKeyRole.Admin => string.Create(CultureInfo.InvariantCulture, $"{ApiRoles.Admin}#{Slot}"),
        ApiKeyRole.Operator => string.Create(CultureInfo.InvariantCulture, $"{ApiRoles.Operator}#{Slot}"),
        _ => "none",
    };
}

/// <summary>
/// Matches a presented key against the configured ones in constant time. Keys are held as SHA-256 digests:
/// every comparison is between two 32-byte values, so neither the length nor the content of a configured key
/// leaks through timing, and every configured key is compared on every call (no early exit).
/// </summary>
internal sealed class ApiKeyRing
{
    private readonly Slot[] _admin;
    private readonly Slot[] _operator;

    public ApiKeyRing(IOptions<ApiKeyOptions> options, ILogger<ApiKeyRing> logger)
    {
        _admin = Slots(options.Value.AdminKeys);
        _operator = Slots(options.Value.OperatorKeys);
        if (_admin.Length == 0 && _operator.Length == 0)
        {
            Log.NoApiKeysConfigured(logger);
        }
    }

    public bool HasAdminKeys => _admin.Length > 0;

    public ApiKeyMatch Match(string presentedKey)
    {
        var presented = Digest(presentedKey);
        var admin = MatchingSlot(presented, _admin);
        var @operator = MatchingSlot(presented, _operator);
        return admin >= 0 ? new ApiKeyMatch(ApiKeyRole.Admin, admin)
            : @operator >= 0 ? new ApiKeyMatch(ApiKeyRole.Operator, @operator)
            : ApiKeyMatch.None;
    }

    // Compares against every slot. Which slot matched is recorded with a branch, but only for a key that is
    // correct: someone who can time that already holds a valid key.
    private static int MatchingSlot(byte[] presented, Slot[] slots)
    {
        var found = -1;
        foreach (var slot in slots)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, slot.Digest))
            {
                found = slot.Index;
            }
        }

        return found;
    }

    // Blank entries are skipped but indexes are kept, so admin#1 always means Auth:AdminKeys:1.
    private static Slot[] Slots(IEnumerable<string> keys) =>
        [.. keys.Select((key, index) => (key, index))
            .Where(entry => !string.IsNullOrWhiteSpace(entry.key))
            .Select(entry => new Slot(Digest(entry.key), entry.index))];

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private sealed record Slot(byte[] Digest, int Index);
}
