using System.ComponentModel.DataAnnotations;

namespace Care2Connect.Api.Data;

internal sealed class DatabaseMigrationOptions
{
    public const string Section = "Database:Migration";

    /// <summary>Wait between attempts to apply migrations while the database is unreachable.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);
}
