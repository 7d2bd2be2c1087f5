using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Care2Connect.Tests.Infrastructure;

/// <summary>A real HTTP endpoint on a random loopback port, answering every request with one delegate.</summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackHttpServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; }

    public static async Task<LoopbackHttpServer> StartAsync(RequestDelegate handle)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(handle);
        await app.StartAsync();
        return new LoopbackHttpServer(app, new Uri(app.Urls.Single()));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
