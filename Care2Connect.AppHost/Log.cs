using Microsoft.Extensions.Logging;

namespace Care2Connect.AppHost;

internal static partial class Log
{
    [LoggerMessage(8001, LogLevel.Information, "Postgres mode: {Mode}. {Reason}")]
    public static partial void PostgresMode(ILogger logger, Postgres.PostgresMode mode, string reason);

    [LoggerMessage(8002, LogLevel.Information, "Created database {Database}")]
    public static partial void DatabaseCreated(ILogger logger, string database);

    [LoggerMessage(8003, LogLevel.Information, "Tunnel: cloudflared reaches the API at {Origin}; point the tunnel's public hostname at it (Cloudflare Zero Trust, Networks, Tunnels, Public hostnames)")]
    public static partial void TunnelOrigin(ILogger logger, string origin);

    [LoggerMessage(8004, LogLevel.Warning, "{Message}")]
    public static partial void TunnelPublicUrlMissing(ILogger logger, string message);

    [LoggerMessage(8101, LogLevel.Information,
        "API keys: open the dashboard, Parameters ({OperatorKey}, {AdminKey}), or run 'dotnet user-secrets list --project Care2Connect.AppHost' (stored in ~/.microsoft/usersecrets/{UserSecretsId}/secrets.json)")]
    public static partial void WhereTheKeysAre(ILogger logger, string operatorKey, string adminKey, string userSecretsId);

    [LoggerMessage(8201, LogLevel.Warning, "{Message}")]
    public static partial void Restarting(ILogger logger, string message);

    [LoggerMessage(8202, LogLevel.Critical, "{Message}")]
    public static partial void BudgetSpent(ILogger logger, string message);

    [LoggerMessage(8203, LogLevel.Error, "{Message}")]
    public static partial void RestartFailed(ILogger logger, string message);

    [LoggerMessage(8204, LogLevel.Error, "Could not write {Path}: {Reason}")]
    public static partial void SupervisorLogUnwritable(ILogger logger, string? path, string reason);

    [LoggerMessage(8205, LogLevel.Error, "Could not kill process {Pid} after its liveness probe failed: {Reason}")]
    public static partial void KillFailed(ILogger logger, int pid, string reason);

    [LoggerMessage(8206, LogLevel.Debug, "{Resource}: {State} (exit code {ExitCode}, pid {Pid})")]
    public static partial void ResourceStateSeen(ILogger logger, string resource, string? state, int? exitCode, int? pid);

    [LoggerMessage(8207, LogLevel.Warning, "{Resource}: liveness probe {Path} failed ({Failures} of {Threshold} in a row): {Reason}")]
    public static partial void LivenessProbeFailed(ILogger logger, string resource, string path, int failures, int threshold, string reason);

    [LoggerMessage(8301, LogLevel.Information, "Recover now: {Outcome} ({Summary}); attempt {AttemptId} is in /health/recovery-stats")]
    public static partial void RecoverNowFinished(ILogger logger, string outcome, string summary, Guid attemptId);

    [LoggerMessage(8302, LogLevel.Information, "Reset circuit breaker: {Before} -> {After}")]
    public static partial void BreakerReset(ILogger logger, string before, string after);

    [LoggerMessage(8303, LogLevel.Warning, "Simulate outage: stopped; starting again in {Duration}")]
    public static partial void OutageDrillStopped(ILogger logger, TimeSpan duration);

    [LoggerMessage(8304, LogLevel.Information, "Simulate outage: started again (success: {Success})")]
    public static partial void OutageDrillStarted(ILogger logger, bool success);
}
