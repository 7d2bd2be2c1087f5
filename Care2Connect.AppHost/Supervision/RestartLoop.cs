using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Care2Connect.AppHost.Supervision;

/// <summary>
/// Brings a supervised resource back: after a backoff, within its <see cref="RestartBudget"/>, through
/// <see cref="ResourceCommandService"/>; a start that fails is tried again after the next backoff. When the budget is
/// spent it says so (log, <c>supervisor.log</c>, dashboard) and waits until a restart is allowed again or a user starts
/// the resource. At most one loop runs per resource.
/// </summary>
internal sealed class RestartLoop(
    ResourceCommandService commands,
    SupervisorDashboard dashboard,
    SupervisorLogFile file,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>True while the supervisor itself runs a lifecycle command, so the wrapped commands can tell it from a user.</summary>
    public static readonly AsyncLocal<bool> IsActing = new();

    public async Task RestartAsync(SupervisedResource supervised, string reason, string command, CancellationToken stoppingToken)
    {
        if (Interlocked.Exchange(ref supervised.Restarting, 1) == 1)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested && !supervised.UserStopped)
            {
                var now = time.GetUtcNow();
                if (supervised.Budget.Remaining(now) == 0)
                {
                    var nextAllowed = supervised.Budget.NextAllowedAt(now);
                    var message = string.Create(CultureInfo.InvariantCulture,
                        $"{supervised.Resource.Name}: restart budget spent ({supervised.Policy.MaxRestarts} per {supervised.Policy.Window}); not restarting after '{reason}'. Next restart allowed at {nextAllowed:yyyy-MM-dd HH:mm:ss} UTC, or start it from the dashboard.");
                    Log.BudgetSpent(logger, message);
                    WriteFile("CRITICAL", message);
                    supervised.Spent = new SpentBudget(nextAllowed, reason);
                    await dashboard.PublishAsync(supervised, reason, budgetSpentUntil: nextAllowed, at: now);
                    supervised.Resume = new CancellationTokenSource();
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, supervised.Resume.Token);
                    try
                    {
                        await Task.Delay(nextAllowed - now, time, wait.Token);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                        // A user started it: supervision resumes with the resource as the user left it.
                        return;
                    }
                    finally
                    {
                        supervised.Spent = null;
                    }

                    if (supervised.IsUp)
                    {
                        return;
                    }

                    continue;
                }

                var delay = supervised.Budget.Backoff(now, Random.Shared.NextDouble());
                await Task.Delay(delay, time, stoppingToken);
                if (supervised.UserStopped || (command == KnownResourceCommands.StartCommand && supervised.IsUp))
                {
                    return;
                }

                var restartAt = time.GetUtcNow();
                supervised.Budget.TryConsume(restartAt);
                supervised.LastRestartAt = restartAt;
                var text = $"{supervised.Resource.Name}: {reason}; restarting ({supervised.Budget.RestartsInWindow(restartAt)} of {supervised.Policy.MaxRestarts} in the window)";
                Log.Restarting(logger, text);
                WriteFile("WARN", text);
                await dashboard.PublishAsync(supervised, reason, budgetSpentUntil: null, at: restartAt);

                IsActing.Value = true;
                var result = await commands.ExecuteCommandAsync(supervised.ResourceId ?? supervised.Resource.Name, command, stoppingToken);
                IsActing.Value = false;
                if (!result.Success && !supervised.IsUp && !supervised.UserStopped)
                {
                    // A start that failed (e.g. the orchestrator timed out deleting the old process on a saturated
                    // machine) is tried again after the next backoff, within the budget. Its own FailedToStart state
                    // may arrive while this loop still runs, when a new restart cannot begin: so this one goes on.
                    var failure = $"{supervised.Resource.Name}: {command} failed: {result.Message}";
                    Log.RestartFailed(logger, failure);
                    WriteFile("ERROR", failure);
                    reason = $"{command} failed";
                    command = KnownResourceCommands.StartCommand;
                    continue;
                }

                return;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is stopping.
        }
        finally
        {
            Interlocked.Exchange(ref supervised.Restarting, 0);
        }
    }

    /// <summary>
    /// Shows again that the budget is spent, after the orchestrator's own report of the end (which the exit watch saw
    /// first) replaced the state that said so.
    /// </summary>
    public Task ShowSpentAgainAsync(SupervisedResource supervised) =>
        supervised.Spent is { } spent
            ? dashboard.PublishAsync(supervised, spent.Reason, budgetSpentUntil: spent.Until, at: time.GetUtcNow())
            : Task.CompletedTask;

    // The file is for people grepping after the fact; failing to write it must never stop a restart.
    private void WriteFile(string level, string message)
    {
        try
        {
            file.Write(level, message);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Log.SupervisorLogUnwritable(logger, file.CurrentPath, exception.Message);
        }
    }
}
