using System.Diagnostics.Metrics;

namespace Care2Connect.Api.Data.Resilience;

internal sealed record ConnectionPoolUsage(long Busy, long Idle, long Max);

/// <summary>
/// Connection pool usage, read from Npgsql's own metrics (<c>db.client.connection.count</c> by state and
/// <c>db.client.connection.max</c>): Npgsql has no public API for it. Summed over the process's pools.
/// </summary>
internal sealed class ConnectionPoolStatistics : IDisposable
{
    private const string NpgsqlMeter = "Npgsql";
    private readonly Lock _gate = new();
    private readonly MeterListener _listener = new();
    private long _busy;
    private long _idle;
    private long _max;

    public ConnectionPoolStatistics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == NpgsqlMeter && instrument.Name is "db.client.connection.count" or "db.client.connection.max")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public ConnectionPoolUsage Read()
    {
        lock (_gate)
        {
            _busy = _idle = _max = 0;
            _listener.RecordObservableInstruments();
            return new(_busy, _idle, _max);
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (instrument.Name == "db.client.connection.max")
        {
            _max += value;
            return;
        }

        foreach (var tag in tags)
        {
            if (tag.Key == "db.client.connection.state")
            {
                if (tag.Value as string == "used")
                {
                    _busy += value;
                }
                else
                {
                    _idle += value;
                }
            }
        }
    }
}
