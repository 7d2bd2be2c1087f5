using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Care2Connect.Tests.Infrastructure;

/// <summary>Which of the API's listeners a TestServer request pretends to arrive on.</summary>
public enum Listener
{
    /// <summary>The internal listener (<c>Api:InternalPort</c>): every route.</summary>
    Internal,

    /// <summary>The public listener (the tunnel's origin): tickets and <c>/alive</c> only.</summary>
    Public,
}

/// <summary>
/// TestServer has no sockets: every request has local port 0 and no remote address. A startup filter (first in the
/// pipeline) gives each request the local port of the listener it names in <see cref="ListenerHeader"/> (internal
/// when absent) and, when <see cref="PeerHeader"/> is sent, the remote address of the connection — so tests can
/// speak as the tunnel, a proxy or a direct caller. Both headers are removed before the API sees the request.
/// </summary>
public static class TestListeners
{
    public const int PublicPort = 5180;
    public const int InternalPort = 5181;
    public const string ListenerHeader = "X-Test-Listener";
    public const string PeerHeader = "X-Test-Peer";

    public static IWebHostBuilder UseTestListeners(this IWebHostBuilder builder) => builder
        .UseSetting("Api:InternalPort", InternalPort.ToString(CultureInfo.InvariantCulture))
        .ConfigureServices(services => services.AddTransient<IStartupFilter, ListenerStartupFilter>());

    /// <summary>Sets the test headers on a client.</summary>
    public static HttpClient On(this HttpClient client, Listener listener, string? peer = null)
    {
        client.DefaultRequestHeaders.Remove(ListenerHeader);
        client.DefaultRequestHeaders.Add(ListenerHeader, listener.ToString());
        if (peer is not null)
        {
            client.DefaultRequestHeaders.Remove(PeerHeader);
            client.DefaultRequestHeaders.Add(PeerHeader, peer);
        }

        return client;
    }

    private sealed class ListenerStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                var headers = context.Request.Headers;
                context.Connection.LocalPort = Enum.TryParse<Listener>(headers[ListenerHeader], out var listener) && listener == Listener.Public
                    ? PublicPort
                    : InternalPort;
                if (IPAddress.TryParse(headers[PeerHeader], out var peer))
                {
                    context.Connection.RemoteIpAddress = peer;
                }

                headers.Remove(ListenerHeader);
                headers.Remove(PeerHeader);
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
