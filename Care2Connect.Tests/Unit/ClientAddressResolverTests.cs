using System.ComponentModel.DataAnnotations;
using Care2Connect.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Care2Connect.Tests.Unit;

public sealed class ClientAddressResolverTests
{
    private static readonly ClientAddressResolver Resolver = new(["127.0.0.1", "::1", "10.0.0.0/24", "fd00::/8"]);

    private static ClientAddress Resolve(string peer, params (string Name, StringValues Value)[] headers)
    {
        var dictionary = new HeaderDictionary();
        foreach (var (name, value) in headers)
        {
            dictionary[name] = value;
        }

        return Resolver.Resolve(IPAddress.Parse(peer), dictionary);
    }

    [Fact]
    public void An_untrusted_connection_is_the_client_whatever_headers_it_sends()
    {
        var resolved = Resolve("198.51.100.9", ("CF-Connecting-IP", "203.0.113.7"), ("X-Forwarded-For", "203.0.113.8"));

        Assert.Equal(IPAddress.Parse("198.51.100.9"), resolved.Client);
        Assert.Null(resolved.Proxy);
    }

    [Fact]
    public void With_no_trusted_proxies_configured_nobody_is_believed()
    {
        var resolver = new ClientAddressResolver([]);
        var headers = new HeaderDictionary { ["CF-Connecting-IP"] = "203.0.113.7" };

        var resolved = resolver.Resolve(IPAddress.Loopback, headers);

        Assert.Equal(IPAddress.Loopback, resolved.Client);
        Assert.Null(resolved.Proxy);
    }

    [Fact]
    public void A_trusted_proxy_without_forwarding_headers_is_itself_the_client()
    {
        var resolved = Resolve("127.0.0.1");

        Assert.Equal(IPAddress.Loopback, resolved.Client);
        Assert.Null(resolved.Proxy);
    }

    [Fact]
    public void From_a_trusted_proxy_cf_connecting_ip_is_the_client_and_the_proxy_is_kept()
    {
        var resolved = Resolve("127.0.0.1", ("CF-Connecting-IP", "203.0.113.7"), ("X-Forwarded-For", "198.51.100.1"));

        Assert.Equal(IPAddress.Parse("203.0.113.7"), resolved.Client);
        Assert.Equal(IPAddress.Loopback, resolved.Proxy);
        Assert.Equal("203.0.113.7", resolved.ClientText);
    }

    [Fact]
    public void The_rightmost_forwarded_hop_that_is_not_a_trusted_proxy_is_the_client()
    {
        // A client wrote "1.1.1.1" itself; 203.0.113.7 is who reached our first proxy; 10.0.0.5 is our own proxy.
        var resolved = Resolve("10.0.0.6", ("X-Forwarded-For", "1.1.1.1, 203.0.113.7, 10.0.0.5"));

        Assert.Equal(IPAddress.Parse("203.0.113.7"), resolved.Client);
        Assert.Equal(IPAddress.Parse("10.0.0.6"), resolved.Proxy);
    }

    [Fact]
    public void Forwarded_for_given_as_several_header_lines_is_one_chain()
    {
        var resolved = Resolve("127.0.0.1", ("X-Forwarded-For", new StringValues(["1.1.1.1", "203.0.113.7, 10.0.0.5"])));

        Assert.Equal(IPAddress.Parse("203.0.113.7"), resolved.Client);
    }

    [Fact]
    public void When_every_hop_is_a_trusted_proxy_the_first_one_is_the_client()
    {
        var resolved = Resolve("127.0.0.1", ("X-Forwarded-For", "10.0.0.7, 10.0.0.5"));

        Assert.Equal(IPAddress.Parse("10.0.0.7"), resolved.Client);
    }

    [Fact]
    public void Cidr_networks_are_trusted_in_ipv4_and_ipv6()
    {
        Assert.Equal(IPAddress.Parse("203.0.113.7"), Resolve("10.0.0.200", ("CF-Connecting-IP", "203.0.113.7")).Client);
        Assert.Equal(IPAddress.Parse("2001:db8::7"), Resolve("fd12::1", ("CF-Connecting-IP", "2001:db8::7")).Client);
        Assert.Equal(IPAddress.Parse("10.0.1.1"), Resolve("10.0.1.1", ("CF-Connecting-IP", "203.0.113.7")).Client);
    }

    [Fact]
    public void An_ipv4_mapped_ipv6_connection_is_matched_and_reported_as_ipv4()
    {
        var resolved = Resolve("::ffff:127.0.0.1", ("CF-Connecting-IP", "::ffff:203.0.113.7"));

        Assert.Equal(IPAddress.Parse("203.0.113.7"), resolved.Client);
        Assert.Equal(IPAddress.Loopback, resolved.Proxy);
    }

    [Theory]
    [InlineData("not-an-ip")]
    [InlineData("203.0.113.7; DROP TABLE tickets")]
    [InlineData("12345")]
    [InlineData("10.1")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("999.1.1.1")]
    public void A_garbage_cf_connecting_ip_falls_back_to_forwarded_for(string garbage)
    {
        var resolved = Resolve("127.0.0.1", ("CF-Connecting-IP", garbage), ("X-Forwarded-For", "203.0.113.7"));

        Assert.Equal(IPAddress.Parse("203.0.113.7"), resolved.Client);
    }

    [Fact]
    public void Two_cf_connecting_ip_values_are_not_believed()
    {
        var resolved = Resolve("127.0.0.1", ("CF-Connecting-IP", new StringValues(["198.51.100.66", "203.0.113.7"])));

        Assert.Equal(IPAddress.Loopback, resolved.Client);
        Assert.Null(resolved.Proxy);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("203.0.113.7, garbage")]
    [InlineData("203.0.113.7,")]
    [InlineData(",,,")]
    public void A_garbage_hop_on_the_right_leaves_the_proxy_as_the_client(string chain)
    {
        var resolved = Resolve("127.0.0.1", ("X-Forwarded-For", chain));

        Assert.Equal(IPAddress.Loopback, resolved.Client);
        Assert.Null(resolved.Proxy);
    }

    [Fact]
    public void Garbage_left_of_the_client_is_never_read()
    {
        var resolved = Resolve("127.0.0.1", ("X-Forwarded-For", "garbage, 203.0.113.7"));

        Assert.Equal(IPAddress.Parse("203.0.113.7"), resolved.Client);
    }

    [Theory]
    [InlineData("203.0.113.7:51234", "203.0.113.7")]
    [InlineData("[2001:db8::7]:443", "2001:db8::7")]
    [InlineData(" 203.0.113.7 ", "203.0.113.7")]
    public void Addresses_with_ports_or_spaces_are_read(string header, string expected) =>
        Assert.Equal(IPAddress.Parse(expected), Resolve("127.0.0.1", ("CF-Connecting-IP", header)).Client);

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("10.0.0.0/8", true)]
    [InlineData("fd00::/8", true)]
    [InlineData("10.0.0.0/33", false)]
    [InlineData("localhost", false)]
    [InlineData("", false)]
    [InlineData("10.1", false)]
    public void Trusted_proxy_entries_are_addresses_or_networks(string entry, bool valid) =>
        Assert.Equal(valid, ClientAddressResolver.TryParseNetwork(entry, out _));

    [Fact]
    public void An_unreadable_trusted_proxy_fails_options_validation()
    {
        var options = new ApiHttpOptions();
        options.TrustedProxies.AddRange(["127.0.0.1", "proxy.internal"]);
        var results = new List<ValidationResult>();

        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains(results, r => r.ErrorMessage!.Contains("proxy.internal", StringComparison.Ordinal));
    }
}
