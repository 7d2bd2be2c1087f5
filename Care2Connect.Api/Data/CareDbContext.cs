using Care2Connect.Api.Tickets;
using Microsoft.EntityFrameworkCore;

namespace Care2Connect.Api.Data;

internal sealed class CareDbContext(DbContextOptions<CareDbContext> options) : DbContext(options)
{
    public DbSet<Ticket> Tickets => Set<Ticket>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(CareDbContext).Assembly);
}
