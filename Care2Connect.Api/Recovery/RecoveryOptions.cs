using System.ComponentModel.DataAnnotations;

namespace Care2Connect.Api.Recovery;

/// <summary>The recovery service and its components (section <c>Recovery</c>). Defaults are production values.</summary>
internal sealed class RecoveryOptions
{
    public const string Section = "Recovery";

    /// <summary>How often the API probes its components (and, when allowed, recovers critical unhealthy ones).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Minimum time between two attempts that found something unhealthy, whoever triggered them.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Whether the periodic check recovers critical unhealthy components by itself.</summary>
    public bool AutoRecover { get; set; } = true;

    /// <summary>Upper bound for one probe; a probe that takes longer counts as unhealthy.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Upper bound for one component's recovery action.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ActionTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Upper bound for reading or writing the shared history and cooldown. Short, because recovery is needed exactly
    /// when the database may be down: past it, the process's own state is used and attempts are buffered.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan StoreTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Attempts kept in memory while the database is down; beyond it the oldest are dropped (and logged).</summary>
    [Range(1, 100_000)]
    public int BufferCapacity { get; set; } = 1000;

    /// <summary>Per-component settings by name, e.g. <c>Recovery:Components:speech-intelligence:Critical</c>.</summary>
    public Dictionary<string, RecoveryComponentOptions> Components { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>External services checked over HTTP, by name, e.g. <c>Recovery:Dependencies:openai:Url</c>.</summary>
    public Dictionary<string, ExternalDependencyOptions> Dependencies { get; } = new(StringComparer.OrdinalIgnoreCase);
}

internal sealed class RecoveryComponentOptions
{
    public bool? Critical { get; set; }
}

internal sealed class ExternalDependencyOptions
{
    [Required]
    public Uri? Url { get; set; }

    public bool Critical { get; set; }

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(3);
}
