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

        Assert.Equal(ApiKeyRole.Admin, ring.Match("admin-key-1").Role);
        Assert.Equal(ApiKeyRole.Operator, ring.Match("op-key-1").Role);
    }

    [Theory]
    [InlineData("")]
    [InlineData("op-key")]
    [InlineData("op-key-1 ")]
    [InlineData("OP-KEY-1")]
    [InlineData("op-key-10")]
    public void Anything_but_an_exact_key_is_refused(string presented) =>
        Assert.Equal(ApiKeyRole.None, Ring(["op-key-1"], ["admin-key-1"]).Match(presented).Role);

    [Fact]
    public void Several_keys_may_be_valid_at_once_for_rotation()
    {
        var ring = Ring(["old-operator", "new-operator"], []);

        Assert.Equal(ApiKeyRole.Operator, ring.Match("old-operator").Role);
        Assert.Equal(ApiKeyRole.Operator, ring.Match("new-operator").Role);
    }

    [Fact]
    public void With_no_keys_configured_nothing_is_accepted_not_even_empty_strings()
    {
        var ring = Ring(["", "  "], []);

        Assert.Equal(ApiKeyRole.None, ring.Match("").Role);
        Assert.Equal(ApiKeyRole.None, ring.Match("  ").Role);
        Assert.False(ring.HasAdminKeys);
    }

    [Fact]
    public void A_match_names_the_key_by_role_and_slot_never_by_value()
    {
        var ring = Ring(["op-key-0", "op-key-1"], ["admin-key-0", "admin-key-1"]);

        Assert.Equal(new ApiKeyMatch(ApiKeyRole.Admin, 1), ring.Match("admin-key-1"));
        Assert.Equal("admin#1", ring.Match("admin-key-1").Identity);
        Assert.Equal("admin#0", ring.Match("admin-key-0").Identity);
        Assert.Equal("operator#1", ring.Match("op-key-1").Identity);
        Assert.Equal(ApiKeyMatch.None, ring.Match("nope"));
        Assert.DoesNotContain("key", ring.Match("op-key-1").Identity, StringComparison.Ordinal);
    }

    [Fact]
    public void Slots_are_the_configured_indexes_even_when_blank_entries_are_skipped()
    {
        // Auth:AdminKeys:0 emptied during a rotation: the remaining key is still called admin#1.
        var ring = Ring([], ["", "admin-new"]);

        Assert.Equal("admin#1", ring.Match("admin-new").Identity);
        Assert.True(ring.HasAdminKeys);
    }

    [Fact]
    public void A_key_configured_as_both_admin_and_operator_is_admin()
    {
        var ring = Ring(["shared", "op"], ["shared"]);

        Assert.Equal(new ApiKeyMatch(ApiKeyRole.Admin, 0), ring.Match("shared"));
    }
}
