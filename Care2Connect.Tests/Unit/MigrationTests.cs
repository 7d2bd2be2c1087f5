using Care2Connect.Api.Data;
using Microsoft.EntityFrameworkCore;

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
    public void Migrations_exist_and_the_first_creates_the_tickets_table()
    {
        using var db = new DesignTimeDbContextFactory().CreateDbContext([]);

        var migrations = db.Database.GetMigrations().ToList();
        Assert.NotEmpty(migrations);
        Assert.EndsWith("_InitialTickets", migrations[0], StringComparison.Ordinal);
    }
}
