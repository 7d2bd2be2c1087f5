using System.Text.Json;
using System.Text.Json.Serialization;

namespace Care2Connect.Api.Recovery;

[JsonConverter(typeof(LowerCaseEnumConverter<RecoveryTrigger>))]
internal enum RecoveryTrigger
{
    Auto,
    Admin,
    Monitor,
    Dashboard,
}

[JsonConverter(typeof(LowerCaseEnumConverter<RecoveryOutcome>))]
internal enum RecoveryOutcome
{
    Succeeded,
    Failed,
    Skipped,
}

/// <summary>Enums on the wire as lower-case words (<c>healthy</c>, <c>succeeded</c>, <c>dashboard</c>).</summary>
internal sealed class LowerCaseEnumConverter<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.CamelCase, allowIntegerValues: false)
    where T : struct, Enum;

/// <summary>Who asked for recovery, and what for.</summary>
internal sealed record RecoveryRequest(
    RecoveryTrigger Trigger,
    string Caller,
    string Reason,
    IReadOnlyList<string>? Components = null,
    bool DryRun = false,
    bool Force = false);

/// <summary>A probe's verdict, as recorded before and after an action.</summary>
internal sealed record ComponentEvidence(
    [property: JsonConverter(typeof(LowerCaseEnumConverter<ComponentStatus>))] ComponentStatus Status,
    double? LatencyMs,
    string? Error)
{
    public static ComponentEvidence Of(ProbeResult probe) => new(probe.Status, probe.LatencyMs, probe.Error);
}

/// <summary>One component's part in an attempt.</summary>
internal sealed record ComponentRecovery(
    string Component,
    bool Critical,
    ComponentEvidence Before,
    string? Action,
    ComponentEvidence? After,
    RecoveryOutcome Outcome,
    string Detail,
    double DurationMs);

/// <summary>A recovery attempt: who, why, what each component looked like before and after, and the verdict.</summary>
internal sealed record RecoveryAttempt(
    Guid Id,
    RecoveryTrigger Trigger,
    string Caller,
    string Reason,
    string Instance,
    DateTimeOffset StartedAt,
    double DurationMs,
    RecoveryOutcome Outcome,
    string Summary,
    IReadOnlyList<ComponentRecovery> Components)
{
    public const string NothingToRecover = "nothing to recover";

    /// <summary>
    /// Whether the attempt found something unhealthy. Only such attempts start the cooldown: one that found every
    /// component healthy did nothing that needs spacing out.
    /// </summary>
    [JsonIgnore]
    public bool StartsCooldown => Components.Any(c => c.Before.Status == ComponentStatus.Unhealthy);
}

/// <summary>What a dry run would do to one component.</summary>
internal sealed record PlannedRecovery(string Component, bool Critical, ComponentEvidence Before, string? Action, string Plan);

internal abstract record RecoveryResult;

internal sealed record RecoveryCompleted(RecoveryAttempt Attempt, bool Joined) : RecoveryResult;

internal sealed record RecoveryCoolingDown(TimeSpan RetryAfter) : RecoveryResult;

internal sealed record RecoveryPlanned(IReadOnlyList<PlannedRecovery> Components, TimeSpan CooldownRemaining) : RecoveryResult;
