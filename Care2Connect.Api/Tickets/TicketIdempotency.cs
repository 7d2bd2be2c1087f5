using System.Security.Cryptography;
using System.Text.Json;
using Care2Connect.Api.Data;
using Care2Connect.Api.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Care2Connect.Api.Tickets;

/// <summary>
/// A create sent with an <c>Idempotency-Key</c>: the key, a hash of the body it came with, and how long its outcome is
/// remembered. The outcome is written in the same transaction as the ticket (<see cref="Remember"/>), so "the ticket
/// exists" and "the key is remembered" are never out of step; a later request with the key and the same body gets the
/// original response replayed, with a different body a 422.
/// </summary>
internal sealed record IdempotencyRequest(string Key, string Hash, TimeSpan Lifetime)
{
    public static IdempotencyRequest For(string key, CreateTicketRequest request, TimeSpan lifetime) =>
        new(key, Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, JsonSerializerOptions.Web))), lifetime);

    public static bool IsValidKey(string key) =>
        key.Length is > 0 and <= IdempotencyRecordConfiguration.KeyMaxLength && key.All(c => c is > ' ' and <= '~');

    /// <summary>Two requests with the same new key raced, and the other one committed first.</summary>
    public static bool IsKeyConflict(DbUpdateException exception) =>
        exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } postgres
        && postgres.TableName == "idempotency_keys";

    /// <summary>The remembered outcome of this key, if it has not expired; an expired one is deleted, freeing the key.</summary>
    public async Task<IdempotencyRecord?> FindAsync(CareDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var existing = await db.IdempotencyKeys.AsNoTracking().FirstOrDefaultAsync(r => r.Key == Key, cancellationToken);
        if (existing is not null && existing.ExpiresAt > now)
        {
            return existing;
        }

        if (existing is not null)
        {
            await db.IdempotencyKeys.Where(r => r.Key == Key).ExecuteDeleteAsync(cancellationToken);
        }

        return null;
    }

    /// <summary>Adds the outcome of the create (saved with the ticket's transaction).</summary>
    public void Remember(CareDbContext db, Ticket ticket, DateTimeOffset now) =>
        db.IdempotencyKeys.Add(new IdempotencyRecord
        {
            Key = Key,
            RequestHash = Hash,
            TicketId = ticket.Id,
            StatusCode = StatusCodes.Status201Created,
            ResponseBody = JsonSerializer.Serialize(TicketResponse.From(ticket), JsonSerializerOptions.Web),
            ETag = TicketsApi.ETagOf(ticket).ToString(),
            CreatedAt = now,
            ExpiresAt = now + Lifetime,
        });
}
