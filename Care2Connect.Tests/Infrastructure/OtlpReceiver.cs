using System.Collections.Concurrent;
using System.IO.Compression;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Care2Connect.Tests.Infrastructure;

/// <summary>A span as a service exported it: ids in lower-case hex, attributes as strings.</summary>
public sealed record ReceivedSpan(
    string Service,
    string Scope,
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    int Kind,
    IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// One data point of a metric as a service exported it. <see cref="Value"/> is the number for a gauge or a sum and
/// the count for a histogram.
/// </summary>
public sealed record ReceivedMetricPoint(
    string Service,
    string Scope,
    string Name,
    string Unit,
    string Description,
    string Type,
    double Value,
    IReadOnlyDictionary<string, string> Attributes,
    DateTimeOffset Time);

/// <summary>
/// An OpenTelemetry collector for the tests: a real HTTP endpoint on a random loopback port that accepts OTLP/HTTP
/// protobuf (what the services' <c>UseOtlpExporter</c> sends with <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>)
/// and keeps the spans and metric points it decodes. Logs are accepted and dropped. Decoding reads the protobuf
/// wire format for the few fields the tests look at, by their numbers in opentelemetry-proto; the rest is skipped.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly ConcurrentQueue<ReceivedMetricPoint> _points = new();
    private LoopbackHttpServer? _server;

    private OtlpReceiver()
    {
    }

    /// <summary>The base address to give as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyList<ReceivedSpan> Spans => [.. _spans];

    public IReadOnlyList<ReceivedMetricPoint> MetricPoints => [.. _points];

    public static async Task<OtlpReceiver> StartAsync()
    {
        var receiver = new OtlpReceiver();
        receiver._server = await LoopbackHttpServer.StartAsync(receiver.ReceiveAsync);
        receiver.Endpoint = receiver._server.Address;
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        using var body = new MemoryStream();
        var source = context.Request.Headers.ContentEncoding == "gzip"
            ? new GZipStream(context.Request.Body, CompressionMode.Decompress)
            : context.Request.Body;
        await using (source)
        {
            await source.CopyToAsync(body, context.RequestAborted);
        }

        switch (context.Request.Path.Value)
        {
            case "/v1/traces":
                ReadTraces(body.ToArray());
                break;
            case "/v1/metrics":
                ReadMetrics(body.ToArray());
                break;
            case "/v1/logs":
                break;
            default:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
        }

        // An empty Export*ServiceResponse: everything accepted.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/x-protobuf";
    }

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
    // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
    private void ReadTraces(byte[] request)
    {
        foreach (var resourceSpans in Messages(request, 1))
        {
            var service = ServiceName(resourceSpans);
            foreach (var scopeSpans in Messages(resourceSpans, 2))
            {
                var scope = ScopeName(scopeSpans);
                foreach (var span in Messages(scopeSpans, 2))
                {
                    _spans.Enqueue(ReadSpan(service, scope, span));
                }
            }
        }
    }

    // Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; SpanKind kind = 6;
    //        repeated KeyValue attributes = 9; ... }
    private static ReceivedSpan ReadSpan(string service, string scope, ByteString span)
    {
        string traceId = "", spanId = "", name = "";
        string? parent = null;
        var kind = 0;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var input = span.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: traceId = Convert.ToHexStringLower(input.ReadBytes().Span); break;
                case 2: spanId = Convert.ToHexStringLower(input.ReadBytes().Span); break;
                case 4:
                    var parentBytes = input.ReadBytes();
                    parent = parentBytes.IsEmpty ? null : Convert.ToHexStringLower(parentBytes.Span);
                    break;
                case 5: name = input.ReadString(); break;
                case 6: kind = input.ReadEnum(); break;
                case 9: AddAttribute(attributes, input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }

        return new(service, scope, traceId, spanId, parent, name, kind, attributes);
    }

    // ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
    // ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
    // ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
    // Metric { string name = 1; string description = 2; string unit = 3; Gauge gauge = 5; Sum sum = 7;
    //          Histogram histogram = 9; }  -- each of Gauge, Sum, Histogram: repeated data_points = 1.
    private void ReadMetrics(byte[] request)
    {
        foreach (var resourceMetrics in Messages(request, 1))
        {
            var service = ServiceName(resourceMetrics);
            foreach (var scopeMetrics in Messages(resourceMetrics, 2))
            {
                var scope = ScopeName(scopeMetrics);
                foreach (var metric in Messages(scopeMetrics, 2))
                {
                    string name = "", description = "", unit = "";
                    var data = new List<(string Type, ByteString Body)>();
                    var input = metric.CreateCodedInput();
                    uint tag;
                    while ((tag = input.ReadTag()) != 0)
                    {
                        switch (WireFormat.GetTagFieldNumber(tag))
                        {
                            case 1: name = input.ReadString(); break;
                            case 2: description = input.ReadString(); break;
                            case 3: unit = input.ReadString(); break;
                            case 5: data.Add(("gauge", input.ReadBytes())); break;
                            case 7: data.Add(("sum", input.ReadBytes())); break;
                            case 9: data.Add(("histogram", input.ReadBytes())); break;
                            default: input.SkipLastField(); break;
                        }
                    }

                    foreach (var (type, body) in data)
                    {
                        foreach (var point in Messages(body, 1))
                        {
                            var (value, attributes, time) = type == "histogram" ? ReadHistogramPoint(point) : ReadNumberPoint(point);
                            _points.Enqueue(new(service, scope, name, unit, description, type, value, attributes, time));
                        }
                    }
                }
            }
        }
    }

    // NumberDataPoint { fixed64 time_unix_nano = 3; double as_double = 4; sfixed64 as_int = 6; repeated KeyValue attributes = 7; }
    private static (double, IReadOnlyDictionary<string, string>, DateTimeOffset) ReadNumberPoint(ByteString point)
    {
        double value = 0;
        ulong time = 0;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var input = point.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 3: time = input.ReadFixed64(); break;
                case 4: value = input.ReadDouble(); break;
                case 6: value = input.ReadSFixed64(); break;
                case 7: AddAttribute(attributes, input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }

        return (value, attributes, FromUnixNanoseconds(time));
    }

    // HistogramDataPoint { fixed64 time_unix_nano = 3; fixed64 count = 4; repeated KeyValue attributes = 9; }
    private static (double, IReadOnlyDictionary<string, string>, DateTimeOffset) ReadHistogramPoint(ByteString point)
    {
        ulong count = 0, time = 0;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var input = point.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 3: time = input.ReadFixed64(); break;
                case 4: count = input.ReadFixed64(); break;
                case 9: AddAttribute(attributes, input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }

        return (count, attributes, FromUnixNanoseconds(time));
    }

    // Resource { repeated KeyValue attributes = 1; } -- the service.name attribute.
    private static string ServiceName(ByteString resourceContainer)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in Messages(resourceContainer, 1))
        {
            foreach (var attribute in Messages(resource, 1))
            {
                AddAttribute(attributes, attribute);
            }
        }

        return attributes.GetValueOrDefault("service.name", "");
    }

    // InstrumentationScope { string name = 1; }
    private static string ScopeName(ByteString scopeContainer)
    {
        foreach (var scope in Messages(scopeContainer, 1))
        {
            var input = scope.CreateCodedInput();
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) == 1)
                {
                    return input.ReadString();
                }

                input.SkipLastField();
            }
        }

        return "";
    }

    // KeyValue { string key = 1; AnyValue value = 2; }
    // AnyValue { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; }
    private static void AddAttribute(Dictionary<string, string> attributes, ByteString keyValue)
    {
        var key = "";
        string? value = null;
        var input = keyValue.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1)
            {
                key = input.ReadString();
                continue;
            }

            if (WireFormat.GetTagFieldNumber(tag) != 2)
            {
                input.SkipLastField();
                continue;
            }

            var any = input.ReadBytes().CreateCodedInput();
            uint anyTag;
            while ((anyTag = any.ReadTag()) != 0)
            {
                value = WireFormat.GetTagFieldNumber(anyTag) switch
                {
                    1 => any.ReadString(),
                    2 => any.ReadBool() ? "true" : "false",
                    3 => any.ReadInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
                    4 => any.ReadDouble().ToString(System.Globalization.CultureInfo.InvariantCulture),
                    _ => Skip(any),
                };
            }
        }

        if (value is not null)
        {
            attributes[key] = value;
        }
    }

    private static string? Skip(CodedInputStream input)
    {
        input.SkipLastField();
        return null;
    }

    private static IEnumerable<ByteString> Messages(byte[] message, int field) => Messages(ByteString.CopyFrom(message), field);

    // Every occurrence of a length-delimited (message) field.
    private static IEnumerable<ByteString> Messages(ByteString message, int field)
    {
        var found = new List<ByteString>();
        var input = message.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == field && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                found.Add(input.ReadBytes());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return found;
    }

    private static DateTimeOffset FromUnixNanoseconds(ulong nanoseconds) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)(nanoseconds / 100));
}
