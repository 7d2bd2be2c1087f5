using System.Text.RegularExpressions;
using Care2Connect.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Care2Connect.Tests.Integration;

/// <summary>
/// The Aspire dashboard as an operator sees it: headless Chromium (Debian's <c>chromium</c>, driven by Playwright) logs
/// in with the browser token and reads the dashboard's own pages. Screenshots go to <c>screenshots/</c> in the test
/// output folder, and into <c>docs/images/</c> when <c>C2C_UPDATE_SCREENSHOTS=1</c> (so CI never changes the tree).
/// On a failure the test saves a screenshot of the page and prints its text.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed partial class DashboardBrowserTests(DashboardAppFixture fixture, ITestOutputHelper output) : IClassFixture<DashboardAppFixture>
{

    /// <summary>Any one browser step: a navigation, a click, an element to appear.</summary>
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long the dashboard may take to show what the AppHost already knows (health is rechecked every few seconds while not healthy).</summary>
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The whole browser session of one test.</summary>
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Every_resource_shows_running_and_healthy_after_logging_in_with_the_token()
    {
        var expected = await ResourcesOfTheAppModelAsync();
        Assert.Superset(new HashSet<string> { "postgres", "care2connect", "api", "monitor", "tunnel" }, expected.ToHashSet());
        output.WriteLine("resources: " + string.Join(", ", expected));

        await InBrowserAsync(nameof(Every_resource_shows_running_and_healthy_after_logging_in_with_the_token), async page =>
        {
            // The grid lists exactly the app model's resources, each Running. The state cell's tooltip is the
            // dashboard's own summary: "Running" only when the resource is running and healthy (else it explains why not).
            var rows = page.Locator("tr.resource-row");
            await Assertions.Expect(rows).ToHaveCountAsync(expected.Count, new() { Timeout = Ms(SettleTimeout) });
            var shown = await page.Locator("tr.resource-row .resource-name-text").AllInnerTextsAsync();
            Assert.Equal(expected.Order(StringComparer.Ordinal), shown.Select(n => n.Trim()).Order(StringComparer.Ordinal));
            foreach (var name in expected)
            {
                var state = rows.Filter(new() { Has = page.Locator(".resource-name-text", new() { HasTextRegex = Exactly(name) }) })
                    .Locator("td[col-index='2']");
                await Assertions.Expect(state).ToHaveAttributeAsync("title", "Running", new() { Timeout = Ms(SettleTimeout) });
            }

            await SaveScreenshotAsync(page, "dashboard-resources.png");

            // Each resource's details (a click on its row opens them): the State and Health state properties.
            foreach (var name in expected)
            {
                await rows.Locator(".resource-name-text", new() { HasTextRegex = Exactly(name) }).ClickAsync();
                await Assertions.Expect(page.Locator(".details-header-title")).ToHaveAttributeAsync("title", new Regex($": {Regex.Escape(name)}$"));
                await Assertions.Expect(Property(page, "State")).ToHaveTextAsync("Running", new() { Timeout = Ms(SettleTimeout) });
                await Assertions.Expect(Property(page, "Health state")).ToHaveTextAsync("Healthy", new() { Timeout = Ms(SettleTimeout) });
                output.WriteLine($"{name}: Running, Healthy");
            }
        });
    }

    [Fact]
    public async Task A_monitor_check_of_the_apis_status_is_one_trace_across_the_monitor_the_api_and_postgres()
    {
        await InBrowserAsync(nameof(A_monitor_check_of_the_apis_status_is_one_trace_across_the_monitor_the_api_and_postgres), async page =>
        {
            // The Monitor checks the API's detailed status every second; the list shows which resources each trace
            // touched, with an error mark on a resource whose spans failed (as the first checks do while the database is
            // still starting). The latest check that reached the database without an error will do: its row's tooltip
            // carries the full trace id.
            await page.GotoAsync(DashboardPath("traces"));
            var search = page.Locator("input[name=traces-search]");
            await search.FillAsync(CheckSpan);
            await search.PressAsync("Enter");
            var row = page.Locator("tr.fluent-data-grid-row")
                .Filter(new() { HasText = CheckSpan })
                .Filter(new() { Has = page.Locator(".trace-service-tag", new() { HasText = "care2connect" }) })
                .Filter(new() { HasNot = page.Locator(".trace-tag-icon") })
                .Last;
            await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = Ms(SettleTimeout) });
            var nameTooltip = await row.Locator("td[col-index='2']").GetAttributeAsync("title") ?? string.Empty;
            var traceId = TraceIdPattern().Match(nameTooltip) is { Success: true } match
                ? match.Groups["id"].Value
                : throw new XunitException($"No trace id in the row's tooltip: '{nameTooltip}'");
            output.WriteLine($"trace {traceId}");

            await page.GotoAsync(DashboardPath("traces/detail/" + traceId));
            var spans = page.Locator("tr.fluent-data-grid-row");
            await Assertions.Expect(spans.Filter(new() { HasText = CheckSpan }).First).ToBeVisibleAsync();

            // Spans from both services, and the API's query to the database (an uninstrumented peer named after it).
            var resources = await spans.Locator("td[col-index='2']").EvaluateAllAsync<string[]>("cells => cells.map(c => c.title)");
            Assert.Contains("monitor", resources);
            Assert.Contains("api", resources);
            await Assertions.Expect(page.Locator(".uninstrumented-peer", new() { HasText = "care2connect" }).First).ToBeVisibleAsync();
            output.WriteLine("spans by resource: " + string.Join(", ", resources.GroupBy(r => r).Select(g => $"{g.Key} ({g.Count()})")));

            await SaveScreenshotAsync(page, "dashboard-trace.png");
        });
    }

    private const string CheckSpan = "monitor.check api-status";

    [GeneratedRegex("Trace Id: (?<id>[0-9a-f]{32})")]
    private static partial Regex TraceIdPattern();

    /// <summary>
    /// What the dashboard should list: every resource of the app model but parameters (they have a tab of their own) and
    /// those whose current snapshot is hidden (the dashboard itself, and a <c>-rebuilder</c> per project).
    /// </summary>
    private async Task<List<string>> ResourcesOfTheAppModelAsync()
    {
        var resources = fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Where(r => r is not ParameterResource)
            .Select(r => r.Name)
            .ToList();
        var hidden = new Dictionary<string, bool>();
        using var timeout = new CancellationTokenSource(StepTimeout);
        await foreach (var update in fixture.App.ResourceNotifications.WatchAsync(timeout.Token))
        {
            hidden[update.Resource.Name] = update.Snapshot.IsHidden;
            if (resources.All(hidden.ContainsKey))
            {
                break;
            }
        }

        return [.. resources.Where(name => !hidden[name])];
    }

    private static ILocator Property(IPage page, string name) =>
        page.Locator(".resource-details-layout tr")
            .Filter(new() { Has = page.Locator("td.nameColumn .grid-value", new() { HasTextRegex = Exactly(name) }) })
            .Locator("td.valueColumn .grid-value");

    private static Regex Exactly(string text) => new($"^\\s*{Regex.Escape(text)}\\s*$");

    private static float Ms(TimeSpan timeout) => (float)timeout.TotalMilliseconds;

    private string DashboardPath(string relative) => new Uri(fixture.DashboardUrl, relative).ToString();

    /// <summary>
    /// Starts headless Chromium, logs in with the browser token (the login URL the AppHost prints) and runs the steps;
    /// every step is bounded. A failure saves a screenshot and fails with the page's address and text.
    /// </summary>
    private async Task InBrowserAsync(string testName, Func<IPage, Task> steps)
    {
        using var playwright = await Playwright.CreateAsync().WaitAsync(StepTimeout);
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = DashboardAppFixture.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            Timeout = Ms(StepTimeout),
        });
        await using var context = await browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 1600, Height = 900 },
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(Ms(StepTimeout));
        context.SetDefaultNavigationTimeout(Ms(StepTimeout));
        // Playwright's expectations default to 5 s, and to a setting of their own (process-wide; only this class uses it).
        Assertions.SetDefaultExpectTimeout(Ms(StepTimeout));
        var page = await context.NewPageAsync();
        try
        {
            await LogInAsync(page);
            await steps(page).WaitAsync(TestTimeout);
        }
        catch (Exception exception)
        {
            throw await DescribeFailureAsync(page, testName, exception);
        }
    }

    private async Task LogInAsync(IPage page)
    {
        await page.GotoAsync(fixture.LoginUrl.ToString());
        // A valid token sets the auth cookie and redirects to the resources page; a wrong one stays on /login.
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        await Assertions.Expect(page.Locator("tr.resource-row").First).ToBeVisibleAsync();
    }

    private async Task<XunitException> DescribeFailureAsync(IPage page, string testName, Exception exception)
    {
        var screenshot = Path.Combine(ScreenshotDirectory, $"failure-{testName}.png");
        string text;
        try
        {
            Directory.CreateDirectory(ScreenshotDirectory);
            await page.ScreenshotAsync(new() { Path = screenshot, Timeout = Ms(StepTimeout) });
            text = await page.Locator("body").InnerTextAsync(new() { Timeout = Ms(StepTimeout) });
        }
        catch (Exception describing) when (describing is PlaywrightException or TimeoutException)
        {
            text = $"(could not read the page: {describing.Message})";
        }

        const int MaxText = 4000;
        var message = $"""
            {exception.GetType().Name}: {exception.Message}
            Page: {page.Url}
            Screenshot: {screenshot}
            Page text:
            {(text.Length > MaxText ? text[..MaxText] + " [...]" : text)}
            """;
        output.WriteLine(message);
        return new XunitException(message, exception);
    }

    private static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>Into the test output folder always; also into docs/images when C2C_UPDATE_SCREENSHOTS=1.</summary>
    private async Task SaveScreenshotAsync(IPage page, string fileName)
    {
        var path = Path.Combine(ScreenshotDirectory, fileName);
        await page.ScreenshotAsync(new() { Path = path });
        output.WriteLine($"screenshot: {path}");
        if (Environment.GetEnvironmentVariable("C2C_UPDATE_SCREENSHOTS") == "1")
        {
            var images = Path.Combine(RepositoryRoot(), "docs", "images");
            Directory.CreateDirectory(images);
            File.Copy(path, Path.Combine(images, fileName), overwrite: true);
            output.WriteLine($"updated: {Path.Combine(images, fileName)}");
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Care2Connect.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Care2Connect.sln above {AppContext.BaseDirectory}.");
    }
}
