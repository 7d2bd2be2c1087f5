using Care2Connect.Api.Data.Idempotency;
using Care2Connect.Api.Tickets;
using Microsoft.EntityFrameworkCore;

namespace Care2Connect.Api.Data;

internal sealed class CareDbContext(DbContextOptions<CareDbContext> options) : DbContext(options)
{
    public DbSet<Ticket> Tickets => Set<Ticket>();

    public DbSet<IdempotencyRecord> IdempotencyKeys => Set<IdempotencyRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(CareDbContext).Assembly);
}
