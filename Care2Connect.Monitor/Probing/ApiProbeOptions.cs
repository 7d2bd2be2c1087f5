namespace Care2Connect.Monitor.Probing;

internal sealed class ApiProbeOptions
{
    public const string Section = "Monitor:Api";

    /// <summary>
    /// Base address of the API. The AppHost sets it to the API's internal endpoint (health, admin routes: the
    /// public one serves tickets and <c>/alive</c> only). Empty means: take it from Aspire's service reference
    /// (<c>services:api:http:0</c>).
    /// </summary>
    public Uri? BaseAddress { get; set; }
}
