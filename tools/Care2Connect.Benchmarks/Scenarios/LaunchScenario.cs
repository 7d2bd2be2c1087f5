using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Aspire.Hosting;
using Care2Connect.AppHost.BuiltProjects;
using Care2Connect.Benchmarks.Infrastructure;

namespace Care2Connect.Benchmarks.Scenarios;

/// <summary>
/// What the <c>dotnet run</c> wrapper costs: each project the AppHost runs, started alone and alternately the way
/// Aspire 13.6 starts a <c>ProjectResource</c> (<c>dotnet run --project ... --no-build --configuration C
/// --no-launch-profile</c> in the project's folder) and the way the AppHost starts it now (<c>dotnet &lt;built
/// assembly&gt;</c> in the same folder), with the same environment. Measured: spawn to the first HTTP answer on its
/// port, then, <see cref="Settle"/> later, the resident memory and the CPU time used so far of the app and of the
/// wrapper. No Postgres: the API starts and answers <c>/alive</c> without it.
/// </summary>
internal sealed class LaunchScenario(BenchmarkOptions options)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan ListenTimeout = TimeSpan.FromSeconds(120);

    private sealed record Project(string Name, string ProjectPath, string Assembly, string ProbePath, Func<int, string, Dictionary<string, string>> Environment);

    private sealed record Trial(string Project, bool Wrapped, TimeSpan Listening, long AppRssKiB, long? WrapperRssKiB, double AppCpuSeconds, double? WrapperCpuSeconds);

    public async Task<string> RunAsync()
    {
        var configuration = typeof(BuiltProjectExtensions).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var projects = new[]
        {
            new Project("Care2Connect.Api", new Projects.Care2Connect_Api().ProjectPath, BuiltProjectExtensions.BuiltAssembly<Projects.Care2Connect_Api>(), "/alive",
                (port, _) => new() { ["ASPNETCORE_URLS"] = $"http://localhost:{port}", ["ConnectionStrings__care2connect"] = "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none" }),
            new Project("Care2Connect.Monitor", new Projects.Care2Connect_Monitor().ProjectPath, BuiltProjectExtensions.BuiltAssembly<Projects.Care2Connect_Monitor>(), "/alive",
                (port, scratch) => new() { ["ASPNETCORE_URLS"] = $"http://localhost:{port}", ["Monitor__History__DatabasePath"] = Path.Combine(scratch, "monitor.db"), ["Monitor__LogDirectory"] = scratch, ["Monitor__DiskPath"] = scratch }),
            new Project("Care2Connect.TunnelSimulator", new Projects.Care2Connect_TunnelSimulator().ProjectPath, BuiltProjectExtensions.BuiltAssembly<Projects.Care2Connect_TunnelSimulator>(), "/ready",
                (port, _) => new() { ["METRICS_PORT"] = port.ToString(CultureInfo.InvariantCulture), ["PUBLIC_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture), ["TUNNEL_ORIGIN"] = "http://127.0.0.1:1" }),
        };

        var trials = new List<Trial>();
        for (var round = 1; round <= options.Repeat; round++)
        {
            foreach (var project in projects)
            {
                // Alternating which goes first, so neither always starts on a machine the other just left.
                foreach (var wrapped in round % 2 == 1 ? new[] { true, false } : [false, true])
                {
                    Progress.Say($"Launch: round {round}/{options.Repeat}, {project.Name} {(wrapped ? "through dotnet run" : "built assembly")} ...");
                    trials.Add(await StartAsync(project, wrapped, configuration));
                }
            }
        }

        return Write(trials, configuration);
    }

    private static async Task<Trial> StartAsync(Project project, bool wrapped, string configuration)
    {
        var scratch = Path.Combine(Path.GetTempPath(), "c2c-bench-launch-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(scratch);
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(project.ProjectPath)!, RedirectStandardOutput = true, RedirectStandardError = true };
        if (wrapped)
        {
            foreach (var arg in new[] { "run", "--project", project.ProjectPath, "--no-build", "--configuration", configuration, "--no-launch-profile" })
            {
                start.ArgumentList.Add(arg);
            }
        }
        else
        {
            start.ArgumentList.Add(project.Assembly);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (name, value) in project.Environment(port, scratch))
        {
            start.Environment[name] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var url = new Uri($"http://localhost:{port}{project.ProbePath}");
            while (true)
            {
                try
                {
                    using var response = await client.GetAsync(url);
                    break;
                }
                catch (HttpRequestException) when (clock.Elapsed < ListenTimeout && !process.HasExited)
                {
                    await Task.Delay(20);
                }
            }

            var listening = clock.Elapsed;
            await Task.Delay(Settle);
            var app = ProcFs.AppUnder(process.Id, Path.GetFileNameWithoutExtension(project.Assembly));
            var wrapper = app == process.Id ? (int?)null : process.Id;
            return new Trial(
                project.Name,
                wrapped,
                listening,
                ProcFs.ResidentKiB(app),
                wrapper is { } w ? ProcFs.ResidentKiB(w) : null,
                ProcFs.CpuTicks(app) / (double)ProcFs.ClockTicksPerSecond,
                wrapper is { } v ? ProcFs.CpuTicks(v) / (double)ProcFs.ClockTicksPerSecond : null);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private string Write(List<Trial> trials, string configuration)
    {
        var report = new StringBuilder();
        report.AppendLine("### What the `dotnet run` wrapper costs");
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Each project alone, {options.Repeat}× each way, alternating: *through `dotnet run`* = `dotnet run --project <csproj> --no-build --configuration {configuration} --no-launch-profile` in the project's folder (how Aspire 13.6 starts a `ProjectResource`), *built assembly* = `dotnet <its {configuration} assembly>` in the same folder (how the AppHost starts it now), same environment. *To listening*: spawn to the first HTTP answer on its port (`/alive`; the tunnel simulator's `/ready`), min / median / max seconds. {Settle.TotalSeconds:0} s later: resident memory (`VmRSS`) and CPU time used since the spawn (`utime + stime`), medians, of the app and of the wrapper.");
        report.AppendLine();
        var rows = trials.GroupBy(t => (t.Project, t.Wrapped)).Select(g => new[]
        {
            g.Key.Project,
            g.Key.Wrapped ? "through `dotnet run`" : "built assembly",
            Spread.Seconds(g.Select(t => (TimeSpan?)t.Listening), 2),
            Markdown.F(Median(g.Select(t => t.AppRssKiB / 1024.0)), "0"),
            g.Key.Wrapped ? Markdown.F(Median(g.Select(t => t.WrapperRssKiB!.Value / 1024.0)), "0") : "—",
            Markdown.F(Median(g.Select(t => t.AppCpuSeconds)), "0.00"),
            g.Key.Wrapped ? Markdown.F(Median(g.Select(t => t.WrapperCpuSeconds!.Value)), "0.00") : "—",
        });
        Markdown.Table(report, "llrrrrr", ["Project", "Started", "To listening s", "App RSS MiB", "Wrapper RSS MiB", "App CPU s", "Wrapper CPU s"], rows);
        report.AppendLine(string.Join(" ", trials.GroupBy(t => t.Project).Select(g =>
        {
            var wrapped = Median(g.Where(t => t.Wrapped).Select(t => t.Listening.TotalSeconds));
            var direct = Median(g.Where(t => !t.Wrapped).Select(t => t.Listening.TotalSeconds));
            return string.Create(CultureInfo.InvariantCulture, $"{g.Key}: to listening through `dotnet run` ÷ built assembly **{wrapped / direct:0.00}** ({wrapped - direct:0.00} s more).");
        })));
        report.AppendLine();
        return report.ToString();
    }

    private static double Median(IEnumerable<double> values) => Spread.Median([.. values.Order()]);
}
