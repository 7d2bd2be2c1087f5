using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Care2Connect.Api.Data.Entities;

internal sealed class TicketConfiguration : IEntityTypeConfiguration<Ticket>
{
    public const int DisplayNameMaxLength = 100;

    public const int ContactValueMaxLength = 254;

    public void Configure(EntityTypeBuilder<Ticket> builder)
    {
        builder.ToTable("tickets");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).HasColumnName("id").ValueGeneratedNever();
        builder.Property(t => t.DisplayName).HasColumnName("display_name").HasMaxLength(DisplayNameMaxLength);

        // Enums as text: a DBA reading the table (or a restore into another version) sees words, not numbers.
        builder.Property(t => t.ContactType).HasColumnName("contact_type").HasConversion<string>().HasMaxLength(16);
        builder.Property(t => t.ContactValue).HasColumnName("contact_value").HasMaxLength(ContactValueMaxLength);
        builder.Property(t => t.Status).HasColumnName("status").HasConversion<string>().HasMaxLength(16);
        builder.Property(t => t.CreatedAt).HasColumnName("created_at");
        builder.Property(t => t.UpdatedAt).HasColumnName("updated_at");

        // Maps to PostgreSQL's xmin system column: optimistic concurrency without a column of our own.
        builder.Property(t => t.Version).IsRowVersion();

        builder.HasIndex(t => new { t.Status, t.CreatedAt }).HasDatabaseName("ix_tickets_status_created_at");
        builder.HasIndex(t => t.CreatedAt).HasDatabaseName("ix_tickets_created_at");
    }
}
