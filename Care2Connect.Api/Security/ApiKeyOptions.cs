namespace Care2Connect.Api.Security;

/// <summary>
/// The keys that grant access. Lists, so a key can be rotated without downtime: add the new one, move the
/// clients, remove the old one. There are no defaults: with no keys configured, every protected call is refused.
/// The AppHost fills them from its <c>operator-key</c> and <c>admin-key</c> secret parameters.
/// </summary>
internal sealed class ApiKeyOptions
{
    public const string Section = "Auth";

    public List<string> OperatorKeys { get; } = [];

    public List<string> AdminKeys { get; } = [];
}
