using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Care2Connect.AppHost;

/// <summary>The operator and admin API keys, as secret parameters.</summary>
/// <param name="Operator">The <c>operator-key</c> parameter.</param>
/// <param name="Admin">The <c>admin-key</c> parameter.</param>
public sealed record ApiKeyParameters(IResourceBuilder<ParameterResource> Operator, IResourceBuilder<ParameterResource> Admin);

/// <summary>Adds Care2Connect's API keys and hands them to the services that check or use them.</summary>
public static class ApiKeyParameterExtensions
{
    /// <summary>The operator key's parameter name.</summary>
    public const string OperatorKeyName = "operator-key";

    /// <summary>The admin key's parameter name.</summary>
    public const string AdminKeyName = "admin-key";

    // Must match <UserSecretsId> in the project file.
    private const string UserSecretsId = "care2connect-apphost";

    /// <summary>
    /// Adds the <c>operator-key</c> and <c>admin-key</c> secret parameters. Values come from configuration
    /// (<c>Parameters:operator-key</c>, <c>Parameters:admin-key</c>); when absent they are generated once and kept
    /// in the AppHost's user secrets, so there is never a default key. The startup log says where to read them,
    /// never what they are.
    /// </summary>
    /// <param name="builder">The AppHost builder.</param>
    /// <returns>Both parameters.</returns>
    public static ApiKeyParameters AddApiKeys(this IDistributedApplicationBuilder builder)
    {
        var generated = new GenerateParameterDefault { MinLength = 40, Special = false };
        var keys = new ApiKeyParameters(
            builder.AddParameter(OperatorKeyName, generated, secret: true, persist: true)
                .WithDescription("Operator API key: send it as X-Api-Key to read and change tickets."),
            builder.AddParameter(AdminKeyName, generated, secret: true, persist: true)
                .WithDescription("Admin API key: everything an operator may do, plus recovery and administration."));

        builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
        {
            Log.WhereTheKeysAre(
                @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Care2Connect.AppHost.ApiKeys"),
                OperatorKeyName,
                AdminKeyName,
                UserSecretsId);
            return Task.CompletedTask;
        });

        return keys;
    }

    /// <summary>Gives a service the keys it must accept (<c>Auth:OperatorKeys</c>, <c>Auth:AdminKeys</c>).</summary>
    /// <typeparam name="T">The resource type.</typeparam>
    /// <param name="builder">The service.</param>
    /// <param name="keys">The keys.</param>
    /// <returns>The same builder.</returns>
    public static IResourceBuilder<T> WithApiKeys<T>(this IResourceBuilder<T> builder, ApiKeyParameters keys)
        where T : IResourceWithEnvironment =>
        builder
            .WithEnvironment("Auth__OperatorKeys__0", keys.Operator)
            .WithEnvironment("Auth__AdminKeys__0", keys.Admin);
}
