using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Care2Connect.Api.Data;

/// <summary>
/// Used only by <c>dotnet ef migrations add</c>: builds the model without starting the host (which would need
/// the AppHost's configuration). Adding a migration never connects to a database.
/// </summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<CareDbContext>
{
    public CareDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CareDbContext>().UseNpgsql().Options);
}
