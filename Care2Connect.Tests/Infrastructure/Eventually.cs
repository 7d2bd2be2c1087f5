using System.Net;
using System.Net.Sockets;

namespace Care2Connect.Tests.Infrastructure;

/// <summary>Bounded waiting on a condition: the only way these tests wait for something to happen.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Polls until the condition holds; an HTTP failure counts as "not yet".</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string because, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"{because} (not within {(timeout ?? DefaultTimeout).TotalSeconds:0} s)");
            await Task.Delay(100);
        }
    }

    /// <summary>Reads a value until it satisfies <paramref name="done"/> or the time is up, and returns the last one.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> read, Func<T?, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        T? value;
        while (!done(value = await read()) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        return value!;
    }
}

public static class TestPorts
{
    /// <summary>A loopback port that was free a moment ago.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
