using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Care2Connect.Api.Http;

/// <summary>
/// Where a request comes from: the client's address, and the trusted proxy it came through when the client was
/// read from a forwarded header (null when the client is the connection itself). Stored as an HttpContext feature.
/// </summary>
internal sealed record ClientAddress(IPAddress? Client, IPAddress? Proxy)
{
    /// <summary>The client as text, for partition keys and logs.</summary>
    public string ClientText => Client?.ToString() ?? "unknown";
}

/// <summary>
/// Reads the client's address from <c>CF-Connecting-IP</c> or <c>X-Forwarded-For</c>, but only when the connection
/// comes from a configured trusted proxy: anyone else could write those headers to pose as someone else (and, for
/// the failed-key throttle, to lock out someone else). Without trusted proxies the connection's address is the client.
/// </summary>
internal sealed class ClientAddressResolver
{
    public const string CloudflareConnectingIpHeader = "CF-Connecting-IP";
    public const string ForwardedForHeader = "X-Forwarded-For";

    // A chain longer than this is not one our proxies produce; the remainder is not read.
    private const int MaxForwardedEntries = 32;

    private readonly IPNetwork[] _trusted;

    public ClientAddressResolver(IEnumerable<string> trustedProxies) =>
        _trusted = [.. trustedProxies.Select(entry => TryParseNetwork(entry, out var network)
            ? network
            : throw new ArgumentException($"'{entry}' is neither an IP address nor a CIDR network.", nameof(trustedProxies)))];

    public ClientAddress Resolve(IPAddress? peer, IHeaderDictionary headers)
    {
        peer = peer is null ? null : Normalize(peer);
        if (peer is null || !IsTrusted(peer))
        {
            return new ClientAddress(peer, null);
        }

        // Cloudflare sets CF-Connecting-IP itself (it overwrites whatever the client sent), so from a trusted
        // proxy it is the best source. More than one value means something upstream appended instead: not believed.
        if (headers[CloudflareConnectingIpHeader] is { Count: 1 } connecting && TryParseAddress(connecting[0], out var client))
        {
            return new ClientAddress(client, peer);
        }

        return FromForwardedFor(headers[ForwardedForHeader]) is { } forwarded
            ? new ClientAddress(forwarded, peer)
            : new ClientAddress(peer, null);
    }

    // Each proxy appends the address it received from, so only the right end of the chain is written by proxies we
    // trust; everything left of the first untrusted hop may be made up. Read from the right, skip our own proxies,
    // and stop at anything unreadable: nothing beyond it can be believed.
    private IPAddress? FromForwardedFor(Microsoft.Extensions.Primitives.StringValues values)
    {
        var entries = values.SelectMany(value => (value ?? string.Empty).Split(',')).ToArray();
        IPAddress? leftmostTrusted = null;
        for (var i = entries.Length - 1; i >= 0 && entries.Length - i <= MaxForwardedEntries; i--)
        {
            if (!TryParseAddress(entries[i], out var hop))
            {
                return null;
            }

            if (!IsTrusted(hop))
            {
                return hop;
            }

            leftmostTrusted = hop;
        }

        // Every hop is one of our proxies (a caller on the proxy's own machine): the first of them is the client.
        return leftmostTrusted;
    }

    private bool IsTrusted(IPAddress address) => _trusted.Any(network => network.Contains(address));

    /// <summary>An address as proxies write it: IPv4 dotted quad or IPv6, optionally with a port.</summary>
    public static bool TryParseAddress(string? text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return false;
        }

        if (!IPAddress.TryParse(text, out var parsed))
        {
            if (!IPEndPoint.TryParse(text, out var endpoint))
            {
                return false;
            }

            parsed = endpoint.Address;
        }

        // IPAddress also takes the old inet_aton shorthands ("12345", "10.1"); no proxy writes those.
        if (parsed.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3)
        {
            return false;
        }

        address = Normalize(parsed);
        return true;
    }

    /// <summary>A trusted-proxy entry: an address (a network of one) or a CIDR network.</summary>
    public static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out network);
        }

        if (!TryParseAddress(text, out var address))
        {
            return false;
        }

        network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }

    // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d; one client must have one key.
    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}

internal static class ClientAddressExtensions
{
    /// <summary>The resolved client (see <see cref="ClientAddressResolver"/>), or the connection's address.</summary>
    public static ClientAddress GetClientAddress(this HttpContext context) =>
        context.Features.Get<ClientAddress>() ?? new ClientAddress(context.Connection.RemoteIpAddress, null);

    /// <summary>
    /// Resolves the client once, early: the result is stored as a feature and becomes
    /// <see cref="ConnectionInfo.RemoteIpAddress"/>, so everything after (rate limits, throttles, logs) sees the client.
    /// </summary>
    public static IApplicationBuilder UseClientAddress(this IApplicationBuilder app)
    {
        var resolver = app.ApplicationServices.GetRequiredService<ClientAddressResolver>();
        return app.Use((context, next) =>
        {
            var resolved = resolver.Resolve(context.Connection.RemoteIpAddress, context.Request.Headers);
            context.Features.Set(resolved);
            context.Connection.RemoteIpAddress = resolved.Client;
            return next(context);
        });
    }
}
