using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Care2Connect.Api.Data.Entities;

/// <summary>A stored recovery attempt (table <c>recovery_attempts</c>).</summary>
internal sealed class RecoveryAttemptRecord
{
    public Guid Id { get; init; }

    public required string Trigger { get; init; }

    public required string Caller { get; init; }

    public required string Reason { get; init; }

    /// <summary>Which API process ran it (host and pid).</summary>
    public required string Instance { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public double DurationMs { get; init; }

    public required string Outcome { get; init; }

    public required string Summary { get; init; }

    public List<RecoveryComponentRecord> Components { get; init; } = [];
}

/// <summary>One component's part in an attempt: evidence before, the action, evidence after, the outcome.</summary>
internal sealed class RecoveryComponentRecord
{
    public Guid AttemptId { get; init; }

    public required string Component { get; init; }

    /// <summary>Position in the attempt: components are recovered in order.</summary>
    public int Ordinal { get; init; }

    public bool Critical { get; init; }

    public required string BeforeStatus { get; init; }

    public double? BeforeLatencyMs { get; init; }

    public string? BeforeError { get; init; }

    public string? Action { get; init; }

    public string? AfterStatus { get; init; }

    public double? AfterLatencyMs { get; init; }

    public string? AfterError { get; init; }

    public required string Outcome { get; init; }

    public required string Detail { get; init; }

    public double DurationMs { get; init; }
}

/// <summary>
/// The one row every API instance compares-and-sets to claim the shared cooldown (table <c>recovery_cooldown</c>).
/// </summary>
internal sealed class RecoveryCooldownRecord
{
    public const int SingletonId = 1;

    public int Id { get; init; }

    public DateTimeOffset? LastAttemptAt { get; set; }

    public Guid? LastAttemptId { get; set; }
}

internal sealed class RecoveryAttemptConfiguration : IEntityTypeConfiguration<RecoveryAttemptRecord>
{
    public const int ReasonMaxLength = 500;

    public void Configure(EntityTypeBuilder<RecoveryAttemptRecord> builder)
    {
        builder.ToTable("recovery_attempts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(a => a.Trigger).HasColumnName("trigger").HasMaxLength(16);
        builder.Property(a => a.Caller).HasColumnName("caller").HasMaxLength(100);
        builder.Property(a => a.Reason).HasColumnName("reason").HasMaxLength(ReasonMaxLength);
        builder.Property(a => a.Instance).HasColumnName("instance").HasMaxLength(200);
        builder.Property(a => a.StartedAt).HasColumnName("started_at");
        builder.Property(a => a.DurationMs).HasColumnName("duration_ms");
        builder.Property(a => a.Outcome).HasColumnName("outcome").HasMaxLength(16);
        builder.Property(a => a.Summary).HasColumnName("summary").HasMaxLength(1000);
        builder.HasMany(a => a.Components).WithOne().HasForeignKey(c => c.AttemptId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(a => a.StartedAt).HasDatabaseName("ix_recovery_attempts_started_at");
    }
}

internal sealed class RecoveryComponentConfiguration : IEntityTypeConfiguration<RecoveryComponentRecord>
{
    public void Configure(EntityTypeBuilder<RecoveryComponentRecord> builder)
    {
        builder.ToTable("recovery_component_results");
        builder.HasKey(c => new { c.AttemptId, c.Component });
        builder.Property(c => c.AttemptId).HasColumnName("attempt_id");
        builder.Property(c => c.Component).HasColumnName("component").HasMaxLength(100);
        builder.Property(c => c.Ordinal).HasColumnName("ordinal");
        builder.Property(c => c.Critical).HasColumnName("critical");
        builder.Property(c => c.BeforeStatus).HasColumnName("before_status").HasMaxLength(16);
        builder.Property(c => c.BeforeLatencyMs).HasColumnName("before_latency_ms");
        builder.Property(c => c.BeforeError).HasColumnName("before_error").HasMaxLength(500);
        builder.Property(c => c.Action).HasColumnName("action").HasMaxLength(100);
        builder.Property(c => c.AfterStatus).HasColumnName("after_status").HasMaxLength(16);
        builder.Property(c => c.AfterLatencyMs).HasColumnName("after_latency_ms");
        builder.Property(c => c.AfterError).HasColumnName("after_error").HasMaxLength(500);
        builder.Property(c => c.Outcome).HasColumnName("outcome").HasMaxLength(16);
        builder.Property(c => c.Detail).HasColumnName("detail").HasMaxLength(500);
        builder.Property(c => c.DurationMs).HasColumnName("duration_ms");
        builder.HasIndex(c => new { c.Component, c.Outcome }).HasDatabaseName("ix_recovery_component_results_component_outcome");
    }
}

internal sealed class RecoveryCooldownConfiguration : IEntityTypeConfiguration<RecoveryCooldownRecord>
{
    public void Configure(EntityTypeBuilder<RecoveryCooldownRecord> builder)
    {
        builder.ToTable("recovery_cooldown");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(c => c.LastAttemptAt).HasColumnName("last_attempt_at");
        builder.Property(c => c.LastAttemptId).HasColumnName("last_attempt_id");
        builder.HasData(new RecoveryCooldownRecord { Id = RecoveryCooldownRecord.SingletonId });
    }
}
