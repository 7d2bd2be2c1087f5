using System.Diagnostics.Metrics;
using Care2Connect.Api.Data.Resilience;
using Care2Connect.Api.Recovery;
using Care2Connect.Monitor.Checks;
using Microsoft.Extensions.DependencyInjection;

namespace Care2Connect.Tests.Unit;

/// <summary>Every custom instrument, as the dashboard's Metrics view will list it: a name, a unit, a description.</summary>
public sealed class TelemetryShapeTests
{
    [Fact]
    public void Every_care2connect_instrument_has_a_unit_and_a_description()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var published = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                // Only this test's meters: other tests create the same ones in parallel.
                if (ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    lock (published)
                    {
                        published.Add(instrument);
                    }
                }
            },
        };
        listener.Start();

        _ = new DatabaseMetrics(factory);
        _ = new RecoveryMetrics(factory);
        new MonitorMetrics(factory).ObserveStates(() => []);

        string[] expected =
        [
            "care2connect.db.breaker.rejections",
            "care2connect.db.operation.duration",
            "care2connect.db.breaker.state",
            "care2connect.db.breaker.transitions",
            "care2connect.db.retries",
            "care2connect.db.slow_queries",
            "care2connect.db.timeouts",
            "care2connect.monitor.component.up",
            "care2connect.monitor.probe.duration",
            "care2connect.monitor.recovery.requests",
            "care2connect.monitor.transitions",
            "care2connect.recovery.attempts",
            "care2connect.recovery.component.actions",
            "care2connect.recovery.component.duration",
            "care2connect.recovery.cooldown_rejections",
        ];
        var names = published.Select(i => i.Name).ToList();
        Assert.All(expected, name => Assert.Contains(name, names));
        Assert.All(published, instrument =>
        {
            Assert.StartsWith("Care2Connect.", instrument.Meter.Name, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(instrument.Unit), $"{instrument.Name} has no unit");
            Assert.False(string.IsNullOrWhiteSpace(instrument.Description), $"{instrument.Name} has no description");
        });

        // Durations in seconds, as the OpenTelemetry conventions ask.
        Assert.All(published.Where(i => i.Name.EndsWith(".duration", StringComparison.Ordinal)), i => Assert.Equal("s", i.Unit));
    }
}
