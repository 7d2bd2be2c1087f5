using System.Globalization;
using System.Security.Claims;
using Care2Connect.Api.Data.Entities;
using Care2Connect.Api.Data.Resilience;
using Care2Connect.Api.Http;
using Care2Connect.Api.Security;
using Care2Connect.Api.SpeechIntelligence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Care2Connect.Api.Recovery;

internal sealed record RecoverRequestBody(string? Reason, IReadOnlyList<string>? Components, bool DryRun = false, bool Force = false);

internal sealed record StatusWordsResponse(string Status, IReadOnlyDictionary<string, string> Components);

internal sealed record ServerStatus(string Version, string? Commit, int Pid, string Instance, string Environment, DateTimeOffset StartedAt, double UptimeSeconds);

internal sealed record PoolStatus(long Busy, long Idle, long Max);

internal sealed record DatabaseStatus(
    bool Healthy,
    string Status,
    double? LatencyMs,
    DateTimeOffset? LastChecked,
    string? Error,
    string BreakerState,
    int ConsecutiveFailures,
    double? SecondsUntilHalfOpen,
    PoolStatus Pool);

internal sealed record ComponentStatusResponse(string Name, bool Critical, string Status, double? LatencyMs, DateTimeOffset? LastChecked, string? Error, string? Action);

internal sealed record RecoveryStatusSummary(
    bool AutoRecover,
    double CheckIntervalSeconds,
    double CooldownSeconds,
    double CooldownRemainingSeconds,
    int PendingWrites,
    RecoveryAttempt? LastAttempt);

internal sealed record HealthStatusResponse(
    string Status,
    DateTimeOffset CheckedAt,
    ServerStatus Server,
    DatabaseStatus Database,
    IReadOnlyList<ComponentStatusResponse> Components,
    SpeechIntelligenceStatus SpeechIntelligence,
    RecoveryStatusSummary Recovery);

internal sealed record RecoveryPlanResponse(bool DryRun, double CooldownRemainingSeconds, IReadOnlyList<PlannedRecovery> Components);

internal sealed record RecoveryAttemptResponse(RecoveryAttempt Attempt, bool Joined);

internal sealed record BreakerTrialResponse(string Before, string After, bool TrialRun);

/// <summary>What the detailed status reads, all from memory but the one database probe.</summary>
internal sealed record StatusSources(
    ComponentRegistry Registry,
    DatabaseCircuitBreaker Breaker,
    ConnectionPoolStatistics Pool,
    SpeechIntelligenceHost Speech,
    RecoveryHistory History,
    RecoveryCooldown Cooldown,
    ServerInfo Server,
    IOptionsMonitor<RecoveryOptions> Options,
    TimeProvider Time);

/// <summary>
/// Every <c>/health/*</c> route but the readiness and liveness checks themselves (<c>/health</c>, <c>/alive</c>: the
/// service defaults): <c>/health/status</c>, <c>/health/recover</c>, <c>/health/recovery-stats</c>,
/// <c>/health/slow-queries</c> and <c>/health/breaker/trial</c>. The status answers from memory
/// (the periodic check keeps it current), so it is prompt even while the database is down; the admin's detailed
/// status measures the database now unless the breaker is open (one <c>SELECT 1</c>, bounded by the probe timeout), so
/// its latency is current and a Monitor's check of it is one trace from the Monitor through the API to PostgreSQL.
/// </summary>
internal static class HealthApi
{
    /// <summary>Who is asking: <c>admin</c> (default), <c>monitor</c> or <c>dashboard</c>. <c>auto</c> is the API's own.</summary>
    public const string TriggerHeader = "X-Recovery-Trigger";

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Health");
        health.MapGet("/status", GetStatus)
            .WithName("HealthStatus")
            .WithSummary("Overall and per-component health: status words for anyone, details for an admin.");
        health.MapPost("/recover", Recover)
            .RequireAuthorization(ApiPolicies.Admin)
            .WithName("Recover")
            .WithSummary("Probe the components and run the recovery action of each unhealthy one (or plan it, with dryRun).");
        health.MapGet("/recovery-stats", GetRecoveryStats)
            .RequireAuthorization(ApiPolicies.Admin)
            .WithName("RecoveryStats")
            .WithSummary("Recovery success rate, mean time to recover and the latest attempts.");

        // The data layer's admin views and actions. The slow queries reveal SQL text, so they are never anonymous.
        health.MapGet("/slow-queries", (SlowQueryLog slowQueries) => TypedResults.Ok(slowQueries.Slowest()))
            .RequireAuthorization(ApiPolicies.Admin)
            .WithName("SlowQueries")
            .WithSummary("The slowest database commands seen recently.");

        // The dashboard's "Reset circuit breaker": skip the rest of the break and run the half-open trial now, the same
        // action recovery uses; the trial's outcome decides, so a breaker over a dead database opens again.
        health.MapPost("/breaker/trial", BreakerTrial)
            .RequireAuthorization(ApiPolicies.Admin)
            .WithName("BreakerTrial")
            .WithSummary("Run the database circuit breaker's half-open trial now, when it is open.");
        return app;
    }

    /// <summary>Anyone gets the status words; the details (versions, errors, pool, history) need the admin key.</summary>
    internal static async Task<Results<Ok<HealthStatusResponse>, Ok<StatusWordsResponse>>> GetStatus(
        ClaimsPrincipal user,
        [AsParameters] StatusSources sources,
        CancellationToken cancellationToken)
    {
        var (registry, breaker, pool, speech, history, cooldown, server, options, time) = sources;
        if (!user.IsInRole(ApiRoles.Admin))
        {
            var latest = registry.Latest;
            return TypedResults.Ok(new StatusWordsResponse(
                Words.Of(ComponentRegistry.Overall(latest)),
                latest.ToDictionary(s => s.Name, s => Words.Of(s.Probe.Status))));
        }

        // While the breaker is open the database is known to be failing: the remembered probe stands, at once.
        if (breaker.Snapshot.State != CircuitState.Open && registry.Find(DatabaseComponent.ComponentName) is { } databaseComponent)
        {
            await registry.ProbeAsync(databaseComponent, cancellationToken);
        }

        var states = registry.Latest;
        var overall = Words.Of(ComponentRegistry.Overall(states));
        var now = time.GetUtcNow();
        var database = states.Single(s => s.Name == DatabaseComponent.ComponentName).Probe;
        var snapshot = breaker.Snapshot;
        var usage = pool.Read();
        var settings = options.CurrentValue;
        return TypedResults.Ok(new HealthStatusResponse(
            overall,
            now,
            new ServerStatus(server.Version, server.Commit, Environment.ProcessId, RecoveryCoordinator.Instance, server.Environment, server.StartedAt, Math.Round(server.Uptime.TotalSeconds, 1)),
            new DatabaseStatus(
                database.Status == ComponentStatus.Healthy,
                Words.Of(database.Status),
                database.LatencyMs,
                Checked(database),
                database.Error,
                snapshot.State.ToString(),
                snapshot.ConsecutiveFailures,
                snapshot.TimeUntilHalfOpen is { } untilHalfOpen ? Math.Round(untilHalfOpen.TotalSeconds, 1) : null,
                new PoolStatus(usage.Busy, usage.Idle, usage.Max)),
            [.. states.Select(s => new ComponentStatusResponse(s.Name, s.Critical, Words.Of(s.Probe.Status), s.Probe.LatencyMs, Checked(s.Probe), s.Probe.Error, s.Action))],
            speech.Status,
            new RecoveryStatusSummary(
                settings.AutoRecover,
                settings.CheckInterval.TotalSeconds,
                settings.Cooldown.TotalSeconds,
                cooldown.Until is { } until && until > now ? Math.Round((until - now).TotalSeconds, 1) : 0,
                history.PendingWrites,
                history.LastAttempt)));
    }

    internal static async Task<Results<Ok<RecoveryAttemptResponse>, Ok<RecoveryPlanResponse>, ValidationProblem, ProblemHttpResult>> Recover(
        RecoverRequestBody body,
        [FromHeader(Name = TriggerHeader)] string? trigger,
        HttpContext http,
        ComponentRegistry registry,
        RecoveryCoordinator coordinator,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var reason = body.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > RecoveryAttemptConfiguration.ReasonMaxLength)
        {
            errors["reason"] = [$"Say why, in 1 to {RecoveryAttemptConfiguration.ReasonMaxLength} characters."];
        }

        var unknown = body.Components?.Where(name => registry.Find(name) is null).ToList() ?? [];
        if (unknown.Count > 0)
        {
            errors["components"] = [$"Unknown components: {string.Join(", ", unknown)}. Known: {string.Join(", ", registry.Components.Select(c => c.Name))}."];
        }

        RecoveryTrigger parsed = RecoveryTrigger.Admin;
        if (trigger is not null && (!Enum.TryParse(trigger, ignoreCase: true, out parsed) || parsed == RecoveryTrigger.Auto || int.TryParse(trigger, CultureInfo.InvariantCulture, out _)))
        {
            errors[TriggerHeader] = ["Use admin, monitor or dashboard."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var caller = $"{ApiCaller.Of(http)}@{http.Connection.RemoteIpAddress?.ToString() ?? "unknown"}";
        var request = new RecoveryRequest(parsed, caller, reason!, body.Components, body.DryRun, body.Force);
        var result = await coordinator.RunAsync(request, cancellationToken);
        switch (result)
        {
            case RecoveryPlanned plan:
                return TypedResults.Ok(new RecoveryPlanResponse(true, Math.Round(plan.CooldownRemaining.TotalSeconds, 1), plan.Components));
            case RecoveryCoolingDown cooling:
                var seconds = Math.Max(1, (int)Math.Ceiling(cooling.RetryAfter.TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return TypedResults.Problem(
                    title: "Recovery is cooling down",
                    detail: $"A recovery attempt ran less than the cooldown ago. Try again in {seconds} s, or send \"force\": true.",
                    statusCode: StatusCodes.Status429TooManyRequests,
                    type: ProblemTypes.RecoveryCooldown);
            case RecoveryCompleted completed:
                return TypedResults.Ok(new RecoveryAttemptResponse(completed.Attempt, completed.Joined));
            default:
                throw new InvalidOperationException($"Unexpected recovery result {result.GetType().Name}.");
        }
    }

    internal static async Task<Ok<RecoveryStatistics>> GetRecoveryStats(RecoveryStatisticsReader statistics, CancellationToken cancellationToken) =>
        TypedResults.Ok(await statistics.ReadAsync(cancellationToken));

    internal static async Task<Ok<BreakerTrialResponse>> BreakerTrial(ResilientDatabase database, CancellationToken cancellationToken)
    {
        var before = database.Breaker.State;
        var run = before == CircuitState.Open;
        if (run)
        {
            await database.RunBreakerTrialAsync(cancellationToken);
        }

        return TypedResults.Ok(new BreakerTrialResponse(before.ToString(), database.Breaker.State.ToString(), run));
    }

    private static DateTimeOffset? Checked(ProbeResult probe) => probe.CheckedAt == DateTimeOffset.MinValue ? null : probe.CheckedAt;
}
