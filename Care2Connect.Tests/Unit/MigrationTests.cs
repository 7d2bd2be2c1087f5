using Care2Connect.Api.Data;
using Care2Connect.Api.Data.CompiledModel;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Care2Connect.Tests.Unit;

public sealed class MigrationTests
{
    [Fact]
    public void The_model_has_no_changes_missing_from_the_migrations()
    {
        using var db = new DesignTimeDbContextFactory().CreateDbContext([]);

        Assert.False(db.Database.HasPendingModelChanges(), "Run 'dotnet ef migrations add <Name>' in Care2Connect.Api.");
    }

    [Fact]
    public void The_compiled_model_in_use_is_the_model_the_configurations_build()
    {
        using var db = new DesignTimeDbContextFactory().CreateDbContext([]);

        // The runtime model comes from the compiled one (found through its assembly attribute), not from conventions;
        // the design-time model is built from the configurations every time.
        Assert.IsType<CareDbContextModel>(db.Model);
        var compiled = Describe(db.Model);
        var built = Describe(db.GetService<IDesignTimeModel>().Model);

        var stale = built.Except(compiled).Select(d => $"+ {d}").Concat(compiled.Except(built).Select(d => $"- {d}")).ToList();
        Assert.True(
            stale.Count == 0,
            "The compiled model (Care2Connect.Api/Data/CompiledModel) is stale: in Care2Connect.Api run 'dotnet ef dbcontext optimize "
            + "-o Data/CompiledModel -n Care2Connect.Api.Data.CompiledModel'. The configurations say (+) where it says (-):\n"
            + string.Join("\n", stale));
    }

    // What the runtime relies on, in terms both a compiled (read-optimized) and a built model can answer.
    private static List<string> Describe(IModel model) =>
    [
        .. model.GetEntityTypes().SelectMany(entity => (IEnumerable<string>)
        [
            $"{entity.Name} table {entity.GetSchema()}.{entity.GetTableName()}",
            .. entity.GetProperties().Select(p =>
                $"{entity.Name}.{p.Name}: {p.ClrType} column {p.GetColumnName()} {p.GetRelationalTypeMapping().StoreType} "
                + $"nullable={p.IsNullable} max={p.GetMaxLength()} generated={p.ValueGenerated} concurrency={p.IsConcurrencyToken} "
                + $"converter={p.GetRelationalTypeMapping().Converter?.GetType()} comparer={p.GetValueComparer().GetType()}"),
            .. entity.GetKeys().Select(k => $"{entity.Name} key {Names(k.Properties)} primary={k.IsPrimaryKey()}"),
            .. entity.GetForeignKeys().Select(f =>
                $"{entity.Name} foreign key {Names(f.Properties)} -> {f.PrincipalEntityType.Name} {Names(f.PrincipalKey.Properties)} delete={f.DeleteBehavior} required={f.IsRequired}"),
            .. entity.GetIndexes().Select(i => $"{entity.Name} index {i.GetDatabaseName()} {Names(i.Properties)} unique={i.IsUnique}"),
        ]).Order(StringComparer.Ordinal),
    ];

    private static string Names(IReadOnlyList<IReadOnlyProperty> properties) => string.Join(",", properties.Select(p => p.Name));

    [Fact]
    public void Migrations_exist_and_the_first_creates_the_tickets_table()
    {
        using var db = new DesignTimeDbContextFactory().CreateDbContext([]);

        var migrations = db.Database.GetMigrations().ToList();
        Assert.NotEmpty(migrations);
        Assert.EndsWith("_InitialTickets", migrations[0], StringComparison.Ordinal);
    }
}
