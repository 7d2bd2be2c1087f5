using System.Collections.Concurrent;
using System.Globalization;
using Care2Connect.Api.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Care2Connect.Tests.Infrastructure;

/// <summary>
/// The API in-process (any type of its assembly locates its entry point; `Program` is ambiguous here because the
/// AppHost has one too), pointed at a real <see cref="TestPostgresServer"/>, with settings a test chooses and
/// every log line captured. Requests arrive on the internal listener unless a client says otherwise
/// (<see cref="CreateApiClient"/>, <see cref="TestListeners"/>).
/// </summary>
internal sealed class ApiFactory(TestPostgresServer server, IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<CareDbContext>
{
    public const string OperatorKey = "operator-test-key";
    public const string AdminKey = "admin-test-key";

    public ConcurrentQueue<string> Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:care2connect", server.ConnectionString().Replace(";Pooling=false", string.Empty, StringComparison.Ordinal));
        builder.UseSetting("Auth:OperatorKeys:0", OperatorKey);
        builder.UseSetting("Auth:AdminKeys:0", AdminKey);
        builder.UseSetting("Database:Migration:RetryDelay", "00:00:00.200");
        builder.UseTestListeners();
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.AddProvider(new CollectingLoggerProvider(Logs)));
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }

    /// <summary>A client on the chosen listener, with a key if given, speaking from <paramref name="peer"/> if given.</summary>
    public HttpClient CreateApiClient(string? apiKey = null, Listener listener = Listener.Internal, string? peer = null)
    {
        var client = CreateClient().On(listener, peer);
        client.Timeout = TimeSpan.FromSeconds(60);
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        return client;
    }

    public async Task<HttpClient> CreateReadyClientAsync()
    {
        var client = CreateClient();
        client.Timeout = TimeSpan.FromSeconds(60);
        client.DefaultRequestHeaders.Add("X-Api-Key", OperatorKey);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await client.GetAsync("/health")).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, "the API never became ready");
            await Task.Delay(100);
        }

        return client;
    }
}

/// <summary>Collects every log line, or only those of the categories that start with <paramref name="categoryPrefix"/>.</summary>
internal sealed class CollectingLoggerProvider(ConcurrentQueue<string> lines, string categoryPrefix = "") : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith(categoryPrefix, StringComparison.Ordinal) ? new CollectingLogger(categoryName, lines) : NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class CollectingLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(exception is null
                ? string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category} [{eventId.Id}] {formatter(state, exception)}")
                : string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category} [{eventId.Id}] {formatter(state, exception)} {exception}"));
    }
}
