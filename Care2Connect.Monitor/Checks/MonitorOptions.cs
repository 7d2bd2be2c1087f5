using Microsoft.Extensions.Options;
using System.ComponentModel.DataAnnotations;

namespace Care2Connect.Monitor.Checks;

/// <summary>
/// The checks engine (section <c>Monitor</c>). Defaults are production values; whole-system tests shrink them to
/// seconds. Per-check settings live under <c>Monitor:Checks:&lt;check&gt;</c>; a name there that is not a built-in
/// check and has a <c>Url</c> is an extra HTTP check.
/// </summary>
internal sealed class MonitorOptions
{
    public const string Section = "Monitor";

    /// <summary>Failed probes in a row before a component is DOWN.</summary>
    [Range(1, 100)]
    public int FailuresBeforeDown { get; set; } = 3;

    /// <summary>Successful probes in a row before a DOWN component is UP again.</summary>
    [Range(1, 100)]
    public int SuccessesBeforeUp { get; set; } = 2;

    /// <summary>Probes allowed to run at the same time.</summary>
    [Range(1, 64)]
    public int MaxConcurrentProbes { get; set; } = 4;

    /// <summary>Interval of the API checks (liveness, readiness, detailed status) and of extra checks.</summary>
    [TimeSpanRange("00:00:00.100", "1.00:00:00")]
    public TimeSpan DefaultInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Interval of the tunnel and public-site checks: the way in from the internet is watched more closely.</summary>
    [TimeSpanRange("00:00:00.100", "1.00:00:00")]
    public TimeSpan EdgeInterval { get; set; } = TimeSpan.FromSeconds(30);

    [TimeSpanRange("00:00:00.100", "00:05:00")]
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The admin key, for the API's detailed status and recovery, and for this Monitor's own admin endpoint.</summary>
    public string? AdminKey { get; set; }

    /// <summary>Start in maintenance: checks run, no actions and no alerts.</summary>
    public bool Maintenance { get; set; }

    /// <summary>Where the data lives: the disk check watches its free space.</summary>
    public string? DiskPath { get; set; }

    /// <summary>The disk check fails below this share of free space.</summary>
    [Range(0.0, 100.0)]
    public double MinFreeDiskPercent { get; set; } = 10;

    /// <summary>Receives a GET every <see cref="HeartbeatInterval"/>, so something outside notices when the Monitor is gone.</summary>
    public Uri? HeartbeatUrl { get; set; }

    [TimeSpanRange("00:00:00.100", "1.00:00:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(60);

    public Dictionary<string, CheckOptions> Checks { get; } = new(StringComparer.OrdinalIgnoreCase);
}

internal sealed class CheckOptions
{
    public bool Enabled { get; set; } = true;

    public Uri? Url { get; set; }

    public TimeSpan? Interval { get; set; }

    public TimeSpan? Timeout { get; set; }

    public int? FailuresBeforeDown { get; set; }

    public int? SuccessesBeforeUp { get; set; }
}

/// <summary>When the Monitor asks the API to recover (section <c>Monitor:Recovery</c>).</summary>
internal sealed class MonitorRecoveryOptions
{
    public const string Section = "Monitor:Recovery";

    public bool Enabled { get; set; } = true;

    /// <summary>Minimum time between two recovery requests of this Monitor (the API keeps its own cooldown too).</summary>
    [TimeSpanRange("00:00:00", "1.00:00:00")]
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A component needing recovery this many times within <see cref="FlappingWindow"/> is flapping.</summary>
    [Range(1, 100)]
    public int FlappingThreshold { get; set; } = 3;

    [TimeSpanRange("00:00:01", "7.00:00:00")]
    public TimeSpan FlappingWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a recovery request may take (the API probes and acts before it answers).</summary>
    [TimeSpanRange("00:00:01", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(90);
}

/// <summary><see cref="MonitorOptions"/>'s data annotations, checked by code generated at build time instead of by reflection, so the Monitor compiles ahead of time.</summary>
[OptionsValidator]
internal sealed partial class MonitorOptionsValidator : IValidateOptions<MonitorOptions>;

/// <summary><see cref="MonitorRecoveryOptions"/>'s data annotations, checked by code generated at build time instead of by reflection, so the Monitor compiles ahead of time.</summary>
[OptionsValidator]
internal sealed partial class MonitorRecoveryOptionsValidator : IValidateOptions<MonitorRecoveryOptions>;
