using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Care2Connect.Api.Data.Entities;

/// <summary>
/// The remembered outcome of a create sent with an <c>Idempotency-Key</c>, written in the same transaction as
/// the ticket, so "the ticket exists" and "the key is remembered" are never out of step.
/// </summary>
internal sealed class IdempotencyRecord
{
    public required string Key { get; init; }

    /// <summary>SHA-256 of the request body, hex: the same key with a different body is refused.</summary>
    public required string RequestHash { get; init; }

    public Guid TicketId { get; init; }

    public int StatusCode { get; init; }

    /// <summary>The original response body, replayed as is.</summary>
    public required string ResponseBody { get; init; }

    public required string ETag { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public const int KeyMaxLength = 200;

    public void Configure(EntityTypeBuilder<IdempotencyRecord> builder)
    {
        builder.ToTable("idempotency_keys");
        builder.HasKey(r => r.Key);
        builder.Property(r => r.Key).HasColumnName("key").HasMaxLength(KeyMaxLength);
        builder.Property(r => r.RequestHash).HasColumnName("request_hash").HasMaxLength(64);
        builder.Property(r => r.TicketId).HasColumnName("ticket_id");
        builder.Property(r => r.StatusCode).HasColumnName("status_code");
        // text, not jsonb: a replay must return the original bytes, and jsonb reorders keys.
        builder.Property(r => r.ResponseBody).HasColumnName("response_body");
        builder.Property(r => r.ETag).HasColumnName("etag").HasMaxLength(32);
        builder.Property(r => r.CreatedAt).HasColumnName("created_at");
        builder.Property(r => r.ExpiresAt).HasColumnName("expires_at");
        builder.HasIndex(r => r.ExpiresAt).HasDatabaseName("ix_idempotency_keys_expires_at");
    }
}
