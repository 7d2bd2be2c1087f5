using Care2Connect.Api.Security;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Care2Connect.Tests.Unit;

public sealed class ApiKeyRingTests
{
    private static ApiKeyRing Ring(string[] operators, string[] admins)
    {
        var options = new ApiKeyOptions();
        options.OperatorKeys.AddRange(operators);
        options.AdminKeys.AddRange(admins);
        return new ApiKeyRing(Options.Create(options), NullLogger<ApiKeyRing>.Instance);
    }

    [Fact]
    public void Admin_keys_grant_admin_and_operator_keys_grant_operator()
    {
        var ring = Ring(["op-key-1"], ["admin-key-1"]);

        Assert.Equal(ApiKeyRole.Admin, ring.Match("admin-key-1"));
        Assert.Equal(ApiKeyRole.Operator, ring.Match("op-key-1"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("op-key")]
    [InlineData("op-key-1 ")]
    [InlineData("OP-KEY-1")]
    [InlineData("op-key-10")]
    public void Anything_but_an_exact_key_is_refused(string presented) =>
        Assert.Equal(ApiKeyRole.None, Ring(["op-key-1"], ["admin-key-1"]).Match(presented));

    [Fact]
    public void Several_keys_may_be_valid_at_once_for_rotation()
    {
        var ring = Ring(["old-operator", "new-operator"], []);

        Assert.Equal(ApiKeyRole.Operator, ring.Match("old-operator"));
        Assert.Equal(ApiKeyRole.Operator, ring.Match("new-operator"));
    }

    [Fact]
    public void With_no_keys_configured_nothing_is_accepted_not_even_empty_strings()
    {
        var ring = Ring(["", "  "], []);

        Assert.Equal(ApiKeyRole.None, ring.Match(""));
        Assert.Equal(ApiKeyRole.None, ring.Match("  "));
        Assert.False(ring.HasAdminKeys);
    }
}
