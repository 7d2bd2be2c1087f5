using System.ComponentModel.DataAnnotations;

namespace Care2Connect.Api.Http;

internal sealed class ApiHttpOptions
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
}
