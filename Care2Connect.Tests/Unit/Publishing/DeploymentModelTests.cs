using Care2Connect.AppHost.Publishing;

namespace Care2Connect.Tests.Unit.Publishing;

/// <summary>
/// The deployment model read from the AppHost's app model in publish mode, for the settings the committed output does
/// not use: External Postgres, no tunnel, a simulated tunnel (refused).
/// </summary>
public sealed class DeploymentModelTests
{
    private static async Task<DeploymentModel> ModelAsync(params string[] args)
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Care2Connect_AppHost>(["AppHost:Operation=publish", .. args])
            .WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(builder.ExecutionContext.IsPublishMode);
        return await DeploymentModelBuilder.BuildAsync(builder.Resources, builder.ExecutionContext, new PublishOptions()).WaitAsync(TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task External_postgres_runs_no_server_and_the_connection_string_is_a_secret()
    {
        var model = await ModelAsync("Postgres:Mode=External");

        Assert.Equal("External", model.PostgresMode);
        Assert.DoesNotContain(model.Workloads, w => w.Name == "postgres");
        Assert.DoesNotContain("postgres-password", model.SecretKeys);
        var connection = model["api"].Variable("ConnectionStrings__care2connect");
        Assert.Equal("care2connect", connection?.SecretKey);
        Assert.Contains("care2connect", model.SecretKeys);
    }

    [Fact]
    public async Task Postgres_in_any_other_mode_is_a_stateful_set_with_a_volume_whatever_this_machine_has()
    {
        foreach (var mode in new[] { "Auto", "Local", "Container" })
        {
            var model = await ModelAsync($"Postgres:Mode={mode}", "Postgres:BinDirectory=/nonexistent");

            var postgres = model["postgres"];
            Assert.Equal(WorkloadKind.StatefulSet, postgres.Kind);
            Assert.NotNull(postgres.Volume);
            Assert.Equal("postgres-password", postgres.Variable("POSTGRES_PASSWORD")?.SecretKey);
            Assert.NotNull(postgres.Readiness?.Command);
            Assert.Null(postgres.Liveness);
        }
    }

    [Fact]
    public async Task Tunnel_off_publishes_no_tunnel_and_auto_publishes_cloudflared_without_a_token_here()
    {
        var off = await ModelAsync("Tunnel:Mode=Off");
        Assert.Equal("Off", off.TunnelMode);
        Assert.DoesNotContain(off.Workloads, w => w.Name == "tunnel");
        Assert.DoesNotContain("tunnel-token", off.SecretKeys);
        Assert.DoesNotContain(off["monitor"].Environment, v => v.Name.Contains("tunnel", StringComparison.OrdinalIgnoreCase) && v.Name.StartsWith("services__", StringComparison.Ordinal));

        var auto = await ModelAsync("Tunnel:Mode=Auto");
        Assert.Equal("Cloudflare", auto.TunnelMode);
        Assert.Equal("tunnel-token", auto["tunnel"].Variable("TUNNEL_TOKEN")?.SecretKey);
    }

    [Fact]
    public async Task A_simulated_tunnel_cannot_be_published()
    {
        var refused = await Assert.ThrowsAsync<NotSupportedException>(() => ModelAsync("Tunnel:Mode=Simulated"));
        Assert.Contains("Simulated", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_mode_model_is_refused()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Care2Connect_AppHost>(["Postgres:Mode=Local", "Postgres:DataDirectory=/var/tmp/c2c-model-test"])
            .WaitAsync(TimeSpan.FromMinutes(1));
        await Assert.ThrowsAsync<InvalidOperationException>(() => DeploymentModelBuilder.BuildAsync(builder.Resources, builder.ExecutionContext, new PublishOptions()));
    }
}
