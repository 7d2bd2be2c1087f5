using System.Collections.Immutable;
using System.Globalization;

namespace Care2Connect.AppHost.Supervision;

/// <summary>
/// How supervision shows in the dashboard: the resource's properties <c>supervisor.restarts_in_window</c>,
/// <c>supervisor.budget_left</c>, <c>supervisor.last_restart_reason</c> and <c>supervisor.last_restart_at</c>, and, while
/// the restart budget is spent, the state "Restart budget spent until …".
/// </summary>
internal sealed class SupervisorDashboard(ResourceNotificationService notifications)
{
    /// <param name="supervised">The resource.</param>
    /// <param name="reason">Why it was (or was not) restarted.</param>
    /// <param name="budgetSpentUntil">When the budget allows the next restart, if it is spent.</param>
    /// <param name="at">
    /// The instant the restart loop decided at: the budget shown is the budget it decided on. Read later, the oldest
    /// restart could have left the window meanwhile, and the dashboard would say "spent" beside one restart left.
    /// </param>
    public Task PublishAsync(SupervisedResource supervised, string reason, DateTimeOffset? budgetSpentUntil, DateTimeOffset at)
    {
        return notifications.PublishUpdateAsync(supervised.Resource, snapshot => snapshot with
        {
            State = budgetSpentUntil is { } until
                ? new ResourceStateSnapshot($"Restart budget spent until {until:HH:mm:ss} UTC", KnownResourceStateStyles.Error)
                : snapshot.State,
            Properties = WithProperty(
                WithProperty(
                    WithProperty(
                        WithProperty(snapshot.Properties, "supervisor.restarts_in_window", supervised.Budget.RestartsInWindow(at)),
                        "supervisor.budget_left",
                        supervised.Budget.Remaining(at)),
                    "supervisor.last_restart_reason",
                    reason),
                "supervisor.last_restart_at",
                supervised.LastRestartAt?.ToString("u", CultureInfo.InvariantCulture) ?? "never"),
        });
    }

    private static ImmutableArray<ResourcePropertySnapshot> WithProperty(ImmutableArray<ResourcePropertySnapshot> properties, string name, object value)
    {
        var existing = properties.FirstOrDefault(p => p.Name == name);
        var updated = new ResourcePropertySnapshot(name, value);
        return existing is null ? properties.Add(updated) : properties.Replace(existing, updated);
    }
}
