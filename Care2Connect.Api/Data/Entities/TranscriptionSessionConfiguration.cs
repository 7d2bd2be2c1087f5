using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Care2Connect.Api.Data.Entities;

internal sealed class TranscriptionSessionConfiguration : IEntityTypeConfiguration<TranscriptionSession>
{
    public const int TranscriptMaxLength = 200_000;

    public void Configure(EntityTypeBuilder<TranscriptionSession> builder)
    {
        builder.ToTable("transcription_sessions");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(s => s.TicketId).HasColumnName("ticket_id");
        builder.Property(s => s.Kind).HasColumnName("kind").HasConversion<string>().HasMaxLength(16);
        builder.Property(s => s.Status).HasColumnName("status").HasConversion<string>().HasMaxLength(16);
        builder.Property(s => s.Language).HasColumnName("language").HasMaxLength(35);
        builder.Property(s => s.Transcript).HasColumnName("transcript").HasMaxLength(TranscriptMaxLength);
        builder.Property(s => s.CreatedAt).HasColumnName("created_at");
        builder.Property(s => s.RetainUntil).HasColumnName("retain_until");

        // Deleting a ticket deletes its recordings: nothing personal outlives the ticket.
        builder.HasOne<Ticket>().WithMany().HasForeignKey(s => s.TicketId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(s => s.RetainUntil).HasDatabaseName("ix_transcription_sessions_retain_until");
    }
}
