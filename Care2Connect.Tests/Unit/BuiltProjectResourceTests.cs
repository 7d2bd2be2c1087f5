using Care2Connect.AppHost.BuiltProjects;

namespace Care2Connect.Tests.Unit;

/// <summary>
/// What the orchestrator is told to run for a project: a managed assembly through the <c>dotnet</c> host, a natively
/// compiled one (the Monitor in Release) as itself; either way in the project's folder, its content root.
/// </summary>
public sealed class BuiltProjectResourceTests
{
    [Fact]
    public void A_managed_assembly_runs_through_the_dotnet_host_in_the_project_folder()
    {
        var api = new BuiltProjectResource("api", "/src/Care2Connect.Api/Care2Connect.Api.csproj", "/src/Care2Connect.Api/bin/Release/net10.0/linux-x64/publish/Care2Connect.Api.dll");

        Assert.Equal("dotnet", api.Command);
        Assert.True(api.RunsOnDotnetHost);
        Assert.Equal("/src/Care2Connect.Api", api.WorkingDirectory);
    }

    [Fact]
    public void A_native_executable_runs_as_itself_in_the_project_folder()
    {
        const string native = "/src/Care2Connect.Monitor/bin/Release/net10.0/linux-x64/publish/Care2Connect.Monitor";
        var monitor = new BuiltProjectResource("monitor", "/src/Care2Connect.Monitor/Care2Connect.Monitor.csproj", native);

        Assert.Equal(native, monitor.Command);
        Assert.False(monitor.RunsOnDotnetHost);
        Assert.Equal("/src/Care2Connect.Monitor", monitor.WorkingDirectory);
    }
}
