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
/// Matches a presented key against the configured ones in constant time. Keys are held as SHA-256 digests:
/// every comparison is between two 32-byte values, so neither the length nor the content of a configured key
/// leaks through timing, and every configured key is compared on every call (no early exit).
/// </summary>
internal sealed class ApiKeyRing
{
    private readonly byte[][] _adminDigests;
    private readonly byte[][] _operatorDigests;

    public ApiKeyRing(IOptions<ApiKeyOptions> options, ILogger<ApiKeyRing> logger)
    {
        _adminDigests = Digests(options.Value.AdminKeys);
        _operatorDigests = Digests(options.Value.OperatorKeys);
        if (_adminDigests.Length == 0 && _operatorDigests.Length == 0)
        {
            Log.NoApiKeysConfigured(logger);
        }
    }

    public bool HasAdminKeys => _adminDigests.Length > 0;

    public ApiKeyRole Match(string presentedKey)
    {
        var presented = Digest(presentedKey);
        var isAdmin = MatchesAny(presented, _adminDigests);
        var isOperator = MatchesAny(presented, _operatorDigests);
        return isAdmin ? ApiKeyRole.Admin : isOperator ? ApiKeyRole.Operator : ApiKeyRole.None;
    }

    private static bool MatchesAny(byte[] presented, byte[][] digests)
    {
        var found = false;
        foreach (var digest in digests)
        {
            found |= CryptographicOperations.FixedTimeEquals(presented, digest);
        }

        return found;
    }

    private static byte[][] Digests(IEnumerable<string> keys) =>
        [.. keys.Where(key => !string.IsNullOrWhiteSpace(key)).Select(Digest)];

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
