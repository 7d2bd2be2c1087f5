using Microsoft.Extensions.Options;
using System.ComponentModel.DataAnnotations;

namespace Care2Connect.Monitor.History;

/// <summary>Where and for how long the Monitor keeps what it saw (<c>Monitor:History</c>).</summary>
internal sealed class HistoryOptions : IValidatableObject
{
    public const string Section = "Monitor:History";

    /// <summary>
    /// The SQLite file. By default outside the repository, by the XDG conventions the AppHost's <c>HostPaths</c>
    /// follows: <c>/var/lib/care2connect/monitor/monitor.db</c> as root, else
    /// <c>$XDG_DATA_HOME/care2connect/monitor/monitor.db</c> (<c>~/.local/share</c> when unset).
    /// </summary>
    [Required]
    public string DatabasePath { get; set; } = DefaultDatabasePath();

    /// <summary>Rows older than this are deleted (each component's latest transition is kept: it is its current state).</summary>
    [TimeSpanRange("01:00:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    [TimeSpanRange("00:00:01", "1.00:00:00")]
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Observations waiting to be written; beyond this the oldest is dropped so checks never wait on the disk.</summary>
    [Range(16, 1_000_000)]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Rows written per transaction.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 256;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A relative path would land in whatever the working directory is (often the project): never that.
        if (!string.IsNullOrWhiteSpace(DatabasePath) && !Path.IsPathFullyQualified(DatabasePath))
        {
            yield return new ValidationResult("Monitor:History:DatabasePath must be an absolute path.", [nameof(DatabasePath)]);
        }
    }

    internal static string DefaultDatabasePath()
    {
        var data = Environment.UserName == "root"
            ? "/var/lib"
            : Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } configured
                ? configured
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(data, "care2connect", "monitor", "monitor.db");
    }
}

/// <summary><see cref="HistoryOptions"/>'s data annotations, checked by code generated at build time instead of by reflection, so the Monitor compiles ahead of time.</summary>
[OptionsValidator]
internal sealed partial class HistoryOptionsValidator : IValidateOptions<HistoryOptions>;
