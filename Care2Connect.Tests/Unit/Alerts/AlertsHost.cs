using System.Collections.Concurrent;
using Care2Connect.Monitor;
using Care2Connect.Monitor.Alerts;
using Care2Connect.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Care2Connect.Tests.Unit.Alerts;

/// <summary>
/// The Monitor's alerting as <c>AddMonitorAlerts</c> registers it, in a bare host with a fake clock, sending to
/// real local webhooks and a real local SMTP server, writing <c>system-monitor.log</c> to a temporary folder and
/// keeping every log line any component writes (HttpClientFactory's included) for tests to scan.
/// </summary>
internal sealed class AlertsHost : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 10, 12, 1, 2, TimeSpan.Zero);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private readonly IHost _host;

    private AlertsHost(IHost host, FakeTimeProvider time, string directory, ConcurrentQueue<string>? logs = null)
    {
        _host = host;
        Time = time;
        Directory = directory;
        Logs = logs ?? new();
    }

    public FakeTimeProvider Time { get; }

    public string Directory { get; }

    /// <summary>Every log line written through <c>ILogger</c> (Debug and above), exceptions included.</summary>
    public ConcurrentQueue<string> Logs { get; }

    public AlertDispatcher Dispatcher => _host.Services.GetRequiredService<AlertDispatcher>();

    public MaintenanceState Maintenance => _host.Services.GetRequiredService<MaintenanceState>();

    public string LogPath => _host.Services.GetRequiredService<MonitorLogFile>().CurrentPath;

    public static IHost Build(FakeTimeProvider time, string directory, IEnumerable<KeyValuePair<string, string?>> settings, ConcurrentQueue<string>? logs = null)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection([new("Monitor:LogDirectory", directory), .. settings]);
        if (logs is not null)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new CollectingLoggerProvider(logs));
        }

        builder.Services.AddSingleton<TimeProvider>(time);
        builder.AddMonitorAlerts();
        return builder.Build();
    }

    public static async Task<AlertsHost> StartAsync(FakeTimeProvider time, params (WebhookReceiver Receiver, string Format)[] webhooks)
    {
        var settings = webhooks.SelectMany((webhook, i) => new KeyValuePair<string, string?>[]
        {
            new($"Monitor:Alerts:Webhooks:{i}:Url", webhook.Receiver.Url.ToString()),
            new($"Monitor:Alerts:Webhooks:{i}:Format", webhook.Format),
        });
        return await StartAsync(time, settings);
    }

    /// <summary>A host with any <c>Monitor:Alerts</c> settings (email channels, say), its logs collected.</summary>
    public static async Task<AlertsHost> StartAsync(FakeTimeProvider time, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var directory = Path.Combine(Path.GetTempPath(), "c2c-alerts-test-" + Guid.NewGuid().ToString("N")[..8]);
        var logs = new ConcurrentQueue<string>();
        var host = Build(time, directory, settings, logs);
        using var timeout = new CancellationTokenSource(Wait);
        await host.StartAsync(timeout.Token);
        return new AlertsHost(host, time, directory, logs);
    }

    public ValueTask Transition(string component, ComponentState from, ComponentState to, string reason = "", Fault fault = Fault.None) =>
        Dispatcher.OnTransitionAsync(new Transition(component, from, to, Time.GetUtcNow(), reason, fault), CancellationToken.None);

    /// <summary>The lines of <c>system-monitor.log</c> that contain <paramref name="text"/>.</summary>
    public IReadOnlyList<string> LogLines(string text) =>
        File.Exists(LogPath) ? [.. File.ReadAllLines(LogPath).Where(line => line.Contains(text, StringComparison.Ordinal))] : [];

    /// <summary>
    /// Waits (in real time) until <paramref name="count"/> deliveries are logged as done. Advancing the fake clock
    /// only then keeps a request in flight from hitting its (fake-clock) timeout.
    /// </summary>
    public Task DeliveredAsync(int count) =>
        Eventually.HoldsAsync(() => Task.FromResult(LogLines(" sent to ").Count >= count), $"{count} alert(s) delivered", Wait);

    /// <summary>Moves the fake clock in small steps until the condition holds, letting the sender run in between.</summary>
    public async Task AdvanceUntilAsync(Func<bool> condition, TimeSpan step, string because)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, because);
            Time.Advance(step);
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(Wait);
        await _host.StopAsync(timeout.Token);
        _host.Dispose();
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
