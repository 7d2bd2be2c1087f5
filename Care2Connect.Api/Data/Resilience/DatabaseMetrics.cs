using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Care2Connect.Api.Data.Resilience;

/// <summary>
/// The data layer's instruments, on the <c>Care2Connect.Database</c> meter (registered by the service defaults,
/// so they appear in the dashboard). Per-command timings come from Npgsql's own <c>db.client.operation.duration</c>;
/// these describe whole units of work, retries included.
/// </summary>
internal sealed class DatabaseMetrics
{
    public const string MeterName = "Care2Connect.Database";

    private readonly Histogram<double> _operationDuration;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _transitions;
    private readonly Counter<long> _rejections;
    private readonly Counter<long> _slowQueries;
    private readonly Counter<long> _timeouts;
    private Func<CircuitState>? _breakerState;

    public DatabaseMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _operationDuration = meter.CreateHistogram<double>(
            "care2connect.db.operation.duration", "s", "Duration of a unit of work against the database, retries included.");
        _retries = meter.CreateCounter<long>("care2connect.db.retries", "{retry}", "Retries of units of work after transient failures.");
        _transitions = meter.CreateCounter<long>("care2connect.db.breaker.transitions", "{transition}", "Circuit breaker state changes.");
        _rejections = meter.CreateCounter<long>("care2connect.db.breaker.rejections", "{operation}", "Operations refused at once because the breaker was open.");
        _slowQueries = meter.CreateCounter<long>("care2connect.db.slow_queries", "{command}", "Commands slower than the slow-query threshold.");
        _timeouts = meter.CreateCounter<long>("care2connect.db.timeouts", "{command}", "Commands cancelled by their command timeout.");
        meter.CreateObservableGauge(
            "care2connect.db.breaker.state",
            () => (int)(_breakerState?.Invoke() ?? CircuitState.Closed),
            "{state}",
            "Circuit breaker state: 0 closed, 1 open, 2 half-open.");
    }

    public void ObserveBreaker(Func<CircuitState> state) => _breakerState = state;

    public void Operation(string operation, string outcome, TimeSpan duration) =>
        _operationDuration.Record(duration.TotalSeconds, new TagList { { "operation", operation }, { "outcome", outcome } });

    public void Retry(string operation) => _retries.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void BreakerTransition(CircuitState from, CircuitState to) =>
        _transitions.Add(1, new TagList { { "from", from.ToString() }, { "to", to.ToString() } });

    public void Rejected(string operation) => _rejections.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void SlowQuery() => _slowQueries.Add(1);

    public void Timeout(string operation) => _timeouts.Add(1, new KeyValuePair<string, object?>("operation", operation));
}
