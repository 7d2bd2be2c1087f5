using Care2Connect.AppHost.Supervision;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Care2Connect.Tests.Unit;

public sealed class RestartBudgetTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Defaults_are_five_restarts_per_rolling_hour_the_first_at_once_the_second_within_a_quarter_second()
    {
        var policy = new RestartPolicy();
        var budget = new RestartBudget(policy);

        Assert.Equal(5, policy.MaxRestarts);
        Assert.Equal(TimeSpan.FromHours(1), policy.Window);
        Assert.Equal(TimeSpan.Zero, budget.Backoff(_time.GetUtcNow(), 0.0));
        Assert.Equal(TimeSpan.Zero, budget.Backoff(_time.GetUtcNow(), 0.999));
        budget.TryConsume(_time.GetUtcNow());
        Assert.InRange(budget.Backoff(_time.GetUtcNow(), 0.0).TotalSeconds, 0.16, 0.24);
        Assert.InRange(budget.Backoff(_time.GetUtcNow(), 0.999).TotalSeconds, 0.16, 0.24);
    }

    [Theory]
    [InlineData(null, 100.0)]
    [InlineData("00:00:00.250", 250.0)]
    [InlineData("", null)]
    public void The_exit_watch_reads_proc_every_100_ms_unless_configured_otherwise_or_off(string? configured, double? expectedMs)
    {
        var policy = new RestartPolicy();
        var settings = new Dictionary<string, string?>();
        if (configured is not null)
        {
            settings["Supervisor:Resources:api:ExitWatchInterval"] = configured;
        }

        // As RestartPolicyFor binds it.
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("Supervisor:Resources:api").Bind(policy);

        Assert.Equal(expectedMs, policy.ExitWatchInterval?.TotalMilliseconds);
    }

    [Fact]
    public void Liveness_defaults_are_kubernetes_period_three_failures_and_a_generous_start()
    {
        var probe = new LivenessProbe();

        Assert.Equal("/alive", probe.Path);
        Assert.Equal(TimeSpan.FromSeconds(10), probe.Period);
        Assert.Equal(TimeSpan.FromSeconds(5), probe.Timeout);
        Assert.Equal(3, probe.FailureThreshold);
        Assert.Equal(TimeSpan.FromSeconds(10), probe.InitialDelay);
        Assert.Equal(TimeSpan.FromMinutes(2), probe.StartupTimeout);
    }

    [Fact]
    public void The_budget_allows_five_then_refuses_the_sixth_until_the_oldest_leaves_the_window()
    {
        var budget = new RestartBudget(new RestartPolicy());
        var first = _time.GetUtcNow();
        for (var i = 0; i < 5; i++)
        {
            Assert.True(budget.TryConsume(_time.GetUtcNow()), $"restart {i + 1}");
            _time.Advance(TimeSpan.FromMinutes(5));
        }

        Assert.False(budget.TryConsume(_time.GetUtcNow()));
        Assert.Equal(0, budget.Remaining(_time.GetUtcNow()));
        Assert.Equal(first + TimeSpan.FromHours(1), budget.NextAllowedAt(_time.GetUtcNow()));

        // Rolling, not fixed: one minute before the first restart is an hour old, still refused; at the hour, allowed.
        _time.SetUtcNow(first + TimeSpan.FromMinutes(59));
        Assert.False(budget.TryConsume(_time.GetUtcNow()));
        _time.SetUtcNow(first + TimeSpan.FromHours(1));
        Assert.Equal(1, budget.Remaining(_time.GetUtcNow()));
        Assert.True(budget.TryConsume(_time.GetUtcNow()));
    }

    [Fact]
    public void Backoff_is_none_for_the_first_restart_in_the_window_then_doubles_within_jitter_bounds_and_is_capped()
    {
        var policy = new RestartPolicy { MaxRestarts = 20, InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(10) };
        var budget = new RestartBudget(policy);

        Assert.Equal(TimeSpan.Zero, budget.Backoff(_time.GetUtcNow(), 0.999999));
        budget.TryConsume(_time.GetUtcNow());
        for (var restarts = 1; restarts < 7; restarts++)
        {
            var nominal = Math.Pow(2, restarts - 1); // 1, 2, 4, 8, 16, 32 s, capped at 10 s
            var low = budget.Backoff(_time.GetUtcNow(), 0.0).TotalSeconds;
            var high = budget.Backoff(_time.GetUtcNow(), 0.999999).TotalSeconds;
            Assert.Equal(Math.Min(nominal * 0.8, 10), low, precision: 3);
            Assert.InRange(high, Math.Min(nominal * 1.2, 10) - 0.001, Math.Min(nominal * 1.2, 10) + 0.001);
            budget.TryConsume(_time.GetUtcNow());
        }
    }

    [Fact]
    public void The_initial_start_is_not_counted_a_fresh_budget_is_full()
    {
        var budget = new RestartBudget(new RestartPolicy());

        Assert.Equal(5, budget.Remaining(_time.GetUtcNow()));
        Assert.Equal(0, budget.RestartsInWindow(_time.GetUtcNow()));
        Assert.Equal(_time.GetUtcNow(), budget.NextAllowedAt(_time.GetUtcNow()));
    }
}
