using System.ComponentModel.DataAnnotations;

namespace Care2Connect.Api.Http;

internal sealed class ApiHttpOptions : IValidatableObject
{
    public const string Section = "Api";

    /// <summary>Largest request body accepted, in bytes; larger bodies get 413 before anything is read.</summary>
    [Range(1024, 10 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Anonymous ticket creation: requests allowed per client and window.</summary>
    [Range(1, 100_000)]
    public int CreatePermitLimit { get; set; } = 20;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CreateWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The local port of the internal listener (health, admin routes, OpenAPI). Requests arriving on any other
    /// port reach only the endpoints marked public. Unset means there is no internal listener: every port is
    /// public and internal routes answer nowhere (fail closed).
    /// </summary>
    [Range(1, 65535)]
    public int? InternalPort { get; set; }

    /// <summary>
    /// Addresses (<c>127.0.0.1</c>) and networks (<c>10.0.0.0/8</c>) of proxies whose <c>CF-Connecting-IP</c> and
    /// <c>X-Forwarded-For</c> headers are believed. Empty (the default) trusts nobody: the client is the connection.
    /// </summary>
    public List<string> TrustedProxies { get; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var entry in TrustedProxies)
        {
            if (!ClientAddressResolver.TryParseNetwork(entry, out _))
            {
                yield return new ValidationResult(
                    $"'{entry}' is neither an IP address nor a CIDR network.",
                    [nameof(TrustedProxies)]);
            }
        }
    }
}
