using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Care2Connect.Tests.Infrastructure;

/// <summary>
/// A TCP proxy in front of a test server that can do what the orchestrator's proxy does while the process behind it
/// is gone (docs/ASPIRE-FACTS.md): it goes on accepting connections and holds them, answering nothing, until the
/// server is back; connections that were open stay open on the client's side, and what the client sends there is
/// swallowed. <see cref="Hold"/> starts that, <see cref="Release"/> ends it: held new connections then reach the
/// server, and the cut ones are closed.
/// </summary>
internal sealed class HoldingTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Connection, byte> _connections = new();
    private readonly Task _accepting;
    private readonly Lock _gate = new();
    private TaskCompletionSource _released = NewReleased();

    public HoldingTcpProxy(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted while holding, not yet passed on.</summary>
    public int Waiting => _connections.Keys.Count(c => c.Backend is null);

    public void Hold()
    {
        lock (_gate)
        {
            if (!_released.Task.IsCompleted)
            {
                return;
            }

            _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (var connection in _connections.Keys.Where(c => c.Backend is not null))
            {
                connection.Cut();
            }
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            foreach (var connection in _connections.Keys.Where(c => c.IsCut))
            {
                connection.Client.Dispose();
            }

            _released.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        Release();
        foreach (var connection in _connections.Keys)
        {
            connection.Client.Dispose();
            connection.Backend?.Dispose();
        }

        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    private static TaskCompletionSource NewReleased()
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        released.SetResult();
        return released;
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(new Connection(client));
        }
    }

    private async Task ServeAsync(Connection connection)
    {
        _connections.TryAdd(connection, 0);
        try
        {
            Task released;
            lock (_gate)
            {
                released = _released.Task;
            }

            await released.WaitAsync(_stopping.Token);
            var backend = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await backend.ConnectAsync(_target, _stopping.Token);
            connection.Backend = backend;
            var up = PumpAsync(connection.Client, connection, towardsServer: true);
            var down = PumpAsync(backend, connection, towardsServer: false);
            await Task.WhenAll(up, down);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            _connections.TryRemove(connection, out _);
            connection.Client.Dispose();
            connection.Backend?.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Connection connection, bool towardsServer)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, _stopping.Token);
                if (read == 0)
                {
                    break;
                }

                if (connection.IsCut)
                {
                    // The server is gone: what the client sends goes nowhere.
                    continue;
                }

                var to = towardsServer ? connection.Backend! : connection.Client;
                await to.SendAsync(buffer.AsMemory(0, read), _stopping.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        // A side closed in the normal course: pass the close on. A cut client's side stays open until Release (or
        // until the client gives up), its pump swallowing what it sends.
        if (!connection.IsCut)
        {
            try
            {
                (towardsServer ? connection.Backend : connection.Client)?.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private sealed class Connection(Socket client)
    {
        private volatile bool _cut;

        public Socket Client { get; } = client;

        public Socket? Backend { get; set; }

        public bool IsCut => _cut;

        public void Cut()
        {
            _cut = true;
            Backend?.Dispose();
        }
    }
}
