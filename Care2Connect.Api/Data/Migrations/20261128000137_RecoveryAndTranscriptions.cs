using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Care2Connect.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class RecoveryAndTranscriptions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "recovery_attempts",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    trigger = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    caller = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    instance = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    duration_ms = table.Column<double>(type: "double precision", nullable: false),
                    outcome = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    summary = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_recovery_attempts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "recovery_cooldown",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false),
                    last_attempt_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    last_attempt_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_recovery_cooldown", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "transcription_sessions",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    ticket_id = table.Column<Guid>(type: "uuid", nullable: true),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    language = table.Column<string>(type: "character varying(35)", maxLength: 35, nullable: false),
                    transcript = table.Column<string>(type: "character varying(200000)", maxLength: 200000, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    retain_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_transcription_sessions", x => x.id);
                    table.ForeignKey(
                        name: "FK_transcription_sessions_tickets_ticket_id",
                        column: x => x.ticket_id,
                        principalTable: "tickets",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "recovery_component_results",
                columns: table => new
                {
                    attempt_id = table.Column<Guid>(type: "uuid", nullable: false),
                    component = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    ordinal = table.Column<int>(type: "integer", nullable: false),
                    critical = table.Column<bool>(type: "boolean", nullable: false),
                    before_status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    before_latency_ms = table.Column<double>(type: "double precision", nullable: true),
                    before_error = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    action = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    after_status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    after_latency_ms = table.Column<double>(type: "double precision", nullable: true),
                    after_error = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    outcome = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    detail = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    duration_ms = table.Column<double>(type: "double precision", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_recovery_component_results", x => new { x.attempt_id, x.component });
                    table.ForeignKey(
                        name: "FK_recovery_component_results_recovery_attempts_attempt_id",
                        column: x => x.attempt_id,
                        principalTable: "recovery_attempts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.InsertData(
                table: "recovery_cooldown",
                columns: new[] { "id", "last_attempt_at", "last_attempt_id" },
                values: new object[] { 1, null, null });

            migrationBuilder.CreateIndex(
                name: "ix_recovery_attempts_started_at",
                table: "recovery_attempts",
                column: "started_at");

            migrationBuilder.CreateIndex(
                name: "ix_recovery_component_results_component_outcome",
                table: "recovery_component_results",
                columns: new[] { "component", "outcome" });

            migrationBuilder.CreateIndex(
                name: "IX_transcription_sessions_ticket_id",
                table: "transcription_sessions",
                column: "ticket_id");

            migrationBuilder.CreateIndex(
                name: "ix_transcription_sessions_retain_until",
                table: "transcription_sessions",
                column: "retain_until");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "recovery_component_results");

            migrationBuilder.DropTable(
                name: "recovery_cooldown");

            migrationBuilder.DropTable(
                name: "transcription_sessions");

            migrationBuilder.DropTable(
                name: "recovery_attempts");
        }
    }
}
