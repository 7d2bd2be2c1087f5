using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Care2Connect.Tests.Infrastructure;

/// <summary>
/// A real HTTP endpoint on a random loopback port that records every POST (stamped with the test's clock) and can
/// be told to answer 500 to the first N requests, or to rate-limit them as Discord does (429, <c>Retry-After</c> in
/// seconds, and the JSON body Discord documents).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly TimeProvider _clock;
    private LoopbackHttpServer? _server;
    private int _failuresLeft;
    private int? _retryAfterSeconds;

    private WebhookReceiver(TimeProvider clock) => _clock = clock;

    /// <summary>The address to configure, with a path (a Slack webhook's path is its secret; logs must not show it).</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Every request, failed ones included, in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

    /// <summary>The requests answered 200.</summary>
    public IReadOnlyList<ReceivedRequest> Delivered => [.. _requests.Where(request => request.Answered200)];

    /// <param name="clock">Stamps each request.</param>
    /// <param name="failFirst">How many requests to refuse before answering 200.</param>
    /// <param name="retryAfterSeconds">Refuse them as rate-limited (429 with this <c>Retry-After</c>) instead of 500.</param>
    public static async Task<WebhookReceiver> StartAsync(TimeProvider clock, int failFirst = 0, int? retryAfterSeconds = null)
    {
        var receiver = new WebhookReceiver(clock) { _failuresLeft = failFirst, _retryAfterSeconds = retryAfterSeconds };
        receiver._server = await LoopbackHttpServer.StartAsync(receiver.ReceiveAsync);
        receiver.Url = new Uri(receiver._server.Address, "/hooks/T000/secret-token");
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
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var fail = Interlocked.Decrement(ref _failuresLeft) >= 0;
        _requests.Enqueue(new ReceivedRequest(_clock.GetUtcNow(), context.Request.Method, context.Request.ContentType, body, !fail));
        if (!fail)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
        }
        else if (_retryAfterSeconds is { } seconds)
        {
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await context.Response.WriteAsJsonAsync(new { message = "You are being rate limited.", retry_after = seconds, global = false });
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }
    }
}

public sealed record ReceivedRequest(DateTimeOffset At, string Method, string? ContentType, string Body, bool Answered200)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
}
