using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Care2Connect.Tests.Infrastructure;

/// <summary>How one request ended, as a client sees it.</summary>
public enum RequestOutcome
{
    /// <summary>2xx.</summary>
    Succeeded,

    /// <summary>503 or 429 ProblemDetails with <c>Retry-After</c>: the API refused cleanly.</summary>
    Refused,

    /// <summary>No HTTP answer: the connection was refused or reset (no API process to answer).</summary>
    Unreachable,

    /// <summary>No answer within the client's timeout.</summary>
    Hung,

    /// <summary>Anything else: a 500, a 503 without ProblemDetails or <c>Retry-After</c>, a lost ticket (404), ...</summary>
    Broken,
}

public sealed record RequestRecord(DateTimeOffset At, TimeSpan Took, string Operation, RequestOutcome Outcome, int? Status, string? Detail);

/// <summary>A create the API acknowledged (2xx): it must be readable afterwards, exactly once.</summary>
public sealed record AcknowledgedCreate(Guid Id, string DisplayName, string IdempotencyKey, DateTimeOffset FirstAttempt, DateTimeOffset AcknowledgedAt, int Attempts);

/// <summary>
/// Steady load of well-behaved clients: each creates a ticket with an <c>Idempotency-Key</c> (and retries it with the
/// same key until it is acknowledged, as a careful client would), reads it back and moves it to RECORDING. Every
/// request is classified; nothing is retried silently. Names carry the scenario, so the rows are found afterwards.
/// </summary>
public sealed class TicketLoad : IAsyncDisposable
{
    public const string UpdatedStatus = "RECORDING";

    /// <summary>Each client's pause between a create and what follows it.</summary>
    public static readonly TimeSpan ThinkTime = TimeSpan.FromMilliseconds(50);

    private readonly HttpClient _client;
    private readonly string _scenario;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<RequestRecord> _requests = new();
    private readonly ConcurrentQueue<AcknowledgedCreate> _created = new();
    private readonly ConcurrentQueue<Guid> _updated = new();
    private readonly List<Task> _workers = [];
    private int _sequence;
    private DateTimeOffset? _stopping;

    private TicketLoad(HttpClient client, string scenario)
    {
        _client = client;
        _scenario = scenario;
    }

    /// <summary>Ticket names start with this.</summary>
    public string NamePrefix => _scenario + "-";

    public IReadOnlyList<RequestRecord> Requests => [.. _requests];

    public IReadOnlyList<AcknowledgedCreate> Created => [.. _created];

    public IReadOnlyList<Guid> Updated => [.. _updated];

    /// <summary>Writes the API acknowledged (creates and updates).</summary>
    public int AcknowledgedWrites => _created.Count + _updated.Count;

    /// <param name="client">Sends <c>X-Api-Key</c> of an operator; its timeout is what counts as a hang. The load owns it.</param>
    public static TicketLoad Start(HttpClient client, string scenario, int clients)
    {
        var load = new TicketLoad(client, scenario);
        for (var i = 0; i < clients; i++)
        {
            load._workers.Add(Task.Run(load.RunAsync));
        }

        return load;
    }

    /// <summary>Stops issuing new work; a create being retried gets <paramref name="grace"/> to be acknowledged.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        _stopping = DateTimeOffset.UtcNow + grace;
        await _stop.CancelAsync();
        await Task.WhenAll(_workers).WaitAsync(grace + _client.Timeout + TimeSpan.FromSeconds(10));
    }

    /// <summary>Stops the clients if a failed test left them running (no grace), and releases the HTTP client.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stopping = DateTimeOffset.UtcNow;
            await _stop.CancelAsync();
            await Task.WhenAll(_workers).WaitAsync(_client.Timeout + TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        _client.Dispose();
        _stop.Dispose();
    }

    public Task WaitForAcknowledgedWritesAsync(int count, TimeSpan timeout) =>
        Eventually.HoldsAsync(() => Task.FromResult(AcknowledgedWrites >= count), $"fewer than {count} writes were acknowledged ({AcknowledgedWrites})", timeout);

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var name = NamePrefix + Interlocked.Increment(ref _sequence);
            var created = await CreateAsync(name);
            if (created is null || _stop.IsCancellationRequested)
            {
                continue;
            }

            // Steady, not saturating: on two cores a load without pauses would starve the probes that decide
            // whether a process is alive, and the supervisor would restart what is merely busy.
            await Task.Delay(ThinkTime);
            await SendAsync("read", () => new HttpRequestMessage(HttpMethod.Get, $"/api/tickets/{created.Id}"));
            var (outcome, _) = await SendAsync("update", () => new HttpRequestMessage(HttpMethod.Put, $"/api/tickets/{created.Id}")
            {
                Content = JsonContent.Create(new { displayName = name, contactType = "NONE", status = UpdatedStatus }),
            });
            if (outcome == RequestOutcome.Succeeded)
            {
                _updated.Enqueue(created.Id);
            }
        }
    }

    // The same key until the API acknowledges, or until the load has stopped and its grace is over.
    private async Task<AcknowledgedCreate?> CreateAsync(string name)
    {
        var key = Guid.NewGuid().ToString("N");
        var first = DateTimeOffset.UtcNow;
        for (var attempt = 1; ; attempt++)
        {
            var (outcome, body) = await SendAsync("create", () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "/api/tickets")
                {
                    Content = JsonContent.Create(new { displayName = name, contactType = "NONE" }),
                };
                request.Headers.Add("Idempotency-Key", key);
                return request;
            });
            if (outcome == RequestOutcome.Succeeded && body is { } created)
            {
                var acknowledged = new AcknowledgedCreate(created.GetProperty("id").GetGuid(), name, key, first, DateTimeOffset.UtcNow, attempt);
                _created.Enqueue(acknowledged);
                return acknowledged;
            }

            if (_stopping is { } stopping && DateTimeOffset.UtcNow > stopping)
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    private async Task<(RequestOutcome Outcome, JsonElement? Body)> SendAsync(string operation, Func<HttpRequestMessage> create)
    {
        var at = DateTimeOffset.UtcNow;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var request = create();
        try
        {
            using var response = await _client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var (outcome, detail) = Classify(response, text);
            _requests.Enqueue(new(at, clock.Elapsed, operation, outcome, (int)response.StatusCode, detail));
            return (outcome, outcome == RequestOutcome.Succeeded && text.Length > 0 ? JsonSerializer.Deserialize<JsonElement>(text) : null);
        }
        catch (TaskCanceledException)
        {
            _requests.Enqueue(new(at, clock.Elapsed, operation, RequestOutcome.Hung, null, $"no answer within {_client.Timeout.TotalSeconds:0} s"));
            return (RequestOutcome.Hung, null);
        }
        catch (HttpRequestException exception)
        {
            _requests.Enqueue(new(at, clock.Elapsed, operation, RequestOutcome.Unreachable, null, exception.HttpRequestError.ToString()));
            return (RequestOutcome.Unreachable, null);
        }
    }

    private static (RequestOutcome, string?) Classify(HttpResponseMessage response, string body)
    {
        if (response.IsSuccessStatusCode)
        {
            return (RequestOutcome.Succeeded, null);
        }

        var status = (int)response.StatusCode;
        var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
        var retryAfter = response.Headers.RetryAfter is RetryConditionHeaderValue { Delta: not null } or { Date: not null };
        if (status is 503 or 429 && problem && retryAfter)
        {
            return (RequestOutcome.Refused, Truncate(body));
        }

        return (RequestOutcome.Broken, $"{status} {response.Content.Headers.ContentType?.MediaType} retry-after={retryAfter}: {Truncate(body)}");
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300];
}
