using Care2Connect.Api.Data.Entities;
using Care2Connect.Api.Data.Resilience;
using Microsoft.EntityFrameworkCore;

namespace Care2Connect.Api.Data;

internal sealed class CareDbContext(DbContextOptions<CareDbContext> options) : DbContext(options)
{
    public DbSet<Ticket> Tickets => Set<Ticket>();

    public DbSet<IdempotencyRecord> IdempotencyKeys => Set<IdempotencyRecord>();

    public DbSet<TranscriptionSession> TranscriptionSessions => Set<TranscriptionSession>();

    public DbSet<RecoveryAttemptRecord> RecoveryAttempts => Set<RecoveryAttemptRecord>();

    public DbSet<RecoveryComponentRecord> RecoveryComponentResults => Set<RecoveryComponentRecord>();

    public DbSet<RecoveryCooldownRecord> RecoveryCooldown => Set<RecoveryCooldownRecord>();

    /// <summary>Where the current attempt's last database call failed (<see cref="DatabaseFailureInterceptor"/>); reset per attempt.</summary>
    internal DatabaseFailureEvidence LastFailure { get; set; }

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(CareDbContext).Assembly);
}
