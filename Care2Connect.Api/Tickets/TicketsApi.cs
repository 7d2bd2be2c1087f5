using System.Globalization;
using Care2Connect.Api.Data;
using Care2Connect.Api.Data.Entities;
using Care2Connect.Api.Data.Resilience;
using Care2Connect.Api.Http;
using Care2Connect.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Care2Connect.Api.Tickets;

/// <summary>What the ticket handlers that change tickets need besides the request (bound with <c>[AsParameters]</c>).</summary>
internal sealed record TicketServices(
    ResilientDatabase Database,
    TimeProvider Time,
    ILoggerFactory Loggers,
    IOptionsMonitor<DatabaseResilienceOptions> Resilience);

internal static class TicketsApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>The category of the ticket handlers' log events (named after the ticket since they were first written).</summary>
    public const string LogCategory = "Care2Connect.Api.Tickets.Ticket";

    public static IEndpointRouteBuilder MapTicketsApi(this IEndpointRouteBuilder app)
    {
        var tickets = app.MapGroup("/api/tickets")
            .WithTags("Tickets")
            .RequireAuthorization(ApiPolicies.Operator)
            .AllowOnPublicListener();

        // Anyone may start a ticket (the person telling their story has no key); everything that reads or
        // changes one needs an operator.
        tickets.MapPost("/", CreateTicket)
            .AllowAnonymous()
            .RequireRateLimiting(TicketRateLimiting.CreateTicketPolicy)
            .WithName(nameof(CreateTicket))
            .WithSummary("Start a ticket (anonymous, rate-limited; safe to retry with an Idempotency-Key).");
        tickets.MapGet("/{id:guid}", GetTicket)
            .WithName(nameof(GetTicket))
            .WithSummary("Read one ticket, contact details included, with its version as the ETag.");
        tickets.MapGet("/", ListTickets)
            .WithName(nameof(ListTickets))
            .WithSummary("List tickets, newest first, optionally by status; contact values masked.");
        tickets.MapPut("/{id:guid}", UpdateTicket)
            .WithName(nameof(UpdateTicket))
            .WithSummary("Change a ticket's details or move it to an allowed next status (If-Match optional).");
        tickets.MapDelete("/{id:guid}", DeleteTicket)
            .WithName(nameof(DeleteTicket))
            .WithSummary("Delete a ticket and its recordings (If-Match optional).");

        return app;
    }

    internal static async Task<Results<Created<TicketResponse>, ContentHttpResult, ValidationProblem, ProblemHttpResult>> CreateTicket(
        CreateTicketRequest request,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        [AsParameters] TicketServices services,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var (database, time, loggers, resilience) = services;
        var logger = loggers.CreateLogger(LogCategory);
        var errors = TicketValidation.Validate(request, out var fields);
        if (idempotencyKey is not null && !IdempotencyRequest.IsValidKey(idempotencyKey))
        {
            errors[IdempotencyKeyHeader] = [$"{IdempotencyKeyHeader} must be 1 to {IdempotencyRecordConfiguration.KeyMaxLength} visible ASCII characters."];
        }

        if (fields is null || errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var now = time.GetUtcNow();
        var key = idempotencyKey is null ? null : IdempotencyRequest.For(idempotencyKey, request, resilience.CurrentValue.IdempotencyKeyLifetime);

        // The id is chosen once, before the first attempt: a retry after a commit whose acknowledgement was lost
        // finds its own row instead of inserting a second one.
        var id = Guid.CreateVersion7(now);
        CreateOutcome outcome;
        try
        {
            outcome = await database.ExecuteAsync("tickets.create", UnitOfWorkSafety.Idempotent, (db, ct) => CreateOnceAsync(db, id, fields, key, now, ct), cancellationToken);
        }
        catch (DbUpdateException exception) when (key is not null && IdempotencyRequest.IsKeyConflict(exception))
        {
            // A concurrent request with the same key committed first: answer with its outcome.
            outcome = await database.ExecuteAsync("tickets.create", UnitOfWorkSafety.Idempotent, (db, ct) => CreateOnceAsync(db, id, fields, key, now, ct), cancellationToken);
        }

        switch (outcome)
        {
            case CreateOutcome.KeyReused:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status422UnprocessableEntity,
                    title: "Idempotency-Key reused with a different request",
                    detail: $"This {IdempotencyKeyHeader} was already used for a different body. Use a new key for a new ticket.");
            case CreateOutcome.Replayed replay:
                Log.TicketCreateReplayed(logger, replay.Record.TicketId);
                http.Response.Headers[ReplayedHeader] = "true";
                http.Response.Headers.Location = $"/api/tickets/{replay.Record.TicketId}";
                http.Response.Headers.ETag = replay.Record.ETag;
                return TypedResults.Content(replay.Record.ResponseBody, "application/json", statusCode: replay.Record.StatusCode);
            case CreateOutcome.Created created:
                Log.TicketCreated(logger, created.Ticket.Id);
                SetETag(http, created.Ticket);
                return TypedResults.Created($"/api/tickets/{created.Ticket.Id}", TicketResponse.From(created.Ticket));
            default:
                throw new InvalidOperationException($"Unexpected outcome {outcome}.");
        }
    }

    internal static async Task<Results<Ok<TicketResponse>, ProblemHttpResult>> GetTicket(
        Guid id,
        ResilientDatabase database,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var ticket = await database.ExecuteAsync(
            "tickets.get",
            UnitOfWorkSafety.ReadOnly,
            (db, ct) => db.Tickets.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct),
            cancellationToken);
        if (ticket is null)
        {
            return NotFound(id);
        }

        SetETag(http, ticket);
        return TypedResults.Ok(TicketResponse.From(ticket));
    }

    internal static async Task<Results<Ok<TicketPage>, ValidationProblem>> ListTickets(
        ResilientDatabase database,
        CancellationToken cancellationToken,
        string? status = null,
        int? page = null,
        int? pageSize = null)
    {
        var errors = TicketValidation.ValidateQuery(status, page, pageSize, out var statusFilter);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var pageNumber = page ?? 1;
        var size = pageSize ?? 20;
        var (total, items) = await database.ExecuteAsync("tickets.list", UnitOfWorkSafety.ReadOnly, async (db, ct) =>
        {
            var query = db.Tickets.AsNoTracking();
            if (statusFilter is { } wanted)
            {
                query = query.Where(t => t.Status == wanted);
            }

            var total = await query.CountAsync(ct);
            var items = await query
                .OrderByDescending(t => t.CreatedAt).ThenBy(t => t.Id)
                .Skip((pageNumber - 1) * size)
                .Take(size)
                .ToListAsync(ct);
            return (total, items);
        }, cancellationToken);

        var summaries = items.Select(t => new TicketSummary(
            t.Id,
            t.DisplayName,
            TicketWireNames.ToWire(t.ContactType),
            ContactMasking.Mask(t.ContactType, t.ContactValue),
            TicketWireNames.ToWire(t.Status),
            t.CreatedAt,
            t.UpdatedAt)).ToList();
        return TypedResults.Ok(new TicketPage(summaries, pageNumber, size, total));
    }

    internal static async Task<Results<Ok<TicketResponse>, ValidationProblem, ProblemHttpResult>> UpdateTicket(
        Guid id,
        UpdateTicketRequest request,
        [AsParameters] TicketServices services,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var (database, time, loggers, _) = services;
        var logger = loggers.CreateLogger(LogCategory);
        var errors = TicketValidation.Validate(request, out var fields, out var status);
        if (fields is null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var ifMatch = http.Request.GetTypedHeaders().IfMatch;
        var outcome = await database.ExecuteAsync<ChangeOutcome>("tickets.update", UnitOfWorkSafety.Idempotent, async (db, ct) =>
        {
            var ticket = await db.Tickets.FirstOrDefaultAsync(t => t.Id == id, ct);
            if (ticket is null)
            {
                return new ChangeOutcome.NotFound();
            }

            // PUT is idempotent: a ticket already in the requested state (say, after a retried commit) is a success.
            if (ticket.DisplayName == fields.DisplayName && ticket.ContactType == fields.ContactType
                && ticket.ContactValue == fields.ContactValue && ticket.Status == status)
            {
                return new ChangeOutcome.Done(ticket, ticket.Status);
            }

            if (!Satisfies(ifMatch, ticket))
            {
                return new ChangeOutcome.PreconditionFailed();
            }

            if (!TicketLifecycle.CanMove(ticket.Status, status))
            {
                return new ChangeOutcome.IllegalTransition(ticket.Status);
            }

            var previous = ticket.Status;
            ticket.DisplayName = fields.DisplayName;
            ticket.ContactType = fields.ContactType;
            ticket.ContactValue = fields.ContactValue;
            ticket.Status = status;
            ticket.UpdatedAt = time.GetUtcNow();
            return await TrySaveAsync(db, ct) ? new ChangeOutcome.Done(ticket, previous) : new ChangeOutcome.PreconditionFailed();
        }, cancellationToken);

        switch (outcome)
        {
            case ChangeOutcome.NotFound:
                return NotFound(id);
            case ChangeOutcome.PreconditionFailed:
                return VersionMismatch(id);
            case ChangeOutcome.IllegalTransition illegal:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "Illegal status transition",
                    detail: $"A ticket in {TicketWireNames.ToWire(illegal.From)} cannot move to {TicketWireNames.ToWire(status)}. "
                        + $"Allowed: {string.Join(", ", TicketLifecycle.NextOf(illegal.From).Select(TicketWireNames.ToWire))}.");
            case ChangeOutcome.Done done:
                Log.TicketUpdated(logger, id, done.Previous, done.Ticket.Status);
                SetETag(http, done.Ticket);
                return TypedResults.Ok(TicketResponse.From(done.Ticket));
            default:
                throw new InvalidOperationException($"Unexpected outcome {outcome}.");
        }
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteTicket(
        Guid id,
        [AsParameters] TicketServices services,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var (database, _, loggers, _) = services;
        var logger = loggers.CreateLogger(LogCategory);
        var ifMatch = http.Request.GetTypedHeaders().IfMatch;
        var seen = false;
        var outcome = await database.ExecuteAsync<ChangeOutcome>("tickets.delete", UnitOfWorkSafety.Idempotent, async (db, ct) =>
        {
            var ticket = await db.Tickets.FirstOrDefaultAsync(t => t.Id == id, ct);
            if (ticket is null)
            {
                // Seen by an earlier attempt and gone now: that attempt's delete committed.
                return seen ? new ChangeOutcome.Deleted() : new ChangeOutcome.NotFound();
            }

            seen = true;
            if (!Satisfies(ifMatch, ticket))
            {
                return new ChangeOutcome.PreconditionFailed();
            }

            db.Tickets.Remove(ticket);
            return await TrySaveAsync(db, ct) ? new ChangeOutcome.Deleted() : new ChangeOutcome.PreconditionFailed();
        }, cancellationToken);

        switch (outcome)
        {
            case ChangeOutcome.NotFound:
                return NotFound(id);
            case ChangeOutcome.PreconditionFailed:
                return VersionMismatch(id);
            default:
                Log.TicketDeleted(logger, id);
                return TypedResults.NoContent();
        }
    }

    private static async Task<CreateOutcome> CreateOnceAsync(
        CareDbContext db,
        Guid id,
        TicketValidation.ValidTicketFields fields,
        IdempotencyRequest? key,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (key is not null && await key.FindAsync(db, now, cancellationToken) is { } existing)
        {
            return existing.RequestHash == key.Hash ? new CreateOutcome.Replayed(existing) : new CreateOutcome.KeyReused();
        }

        var ticket = await db.Tickets.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null)
        {
            ticket = new Ticket
            {
                Id = id,
                DisplayName = fields.DisplayName,
                ContactType = fields.ContactType,
                ContactValue = fields.ContactValue,
                Status = TicketStatus.Draft,
                CreatedAt = now,
                UpdatedAt = now,
            };
            db.Tickets.Add(ticket);
            await db.SaveChangesAsync(cancellationToken);
        }

        if (key is not null)
        {
            key.Remember(db, ticket, now);
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new CreateOutcome.Created(ticket);
    }

    // False when the row changed (its xmin moved) between our read and our write: someone else got there first.
    private static async Task<bool> TrySaveAsync(CareDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            return false;
        }
    }

    private static ProblemHttpResult NotFound(Guid id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "Ticket not found",
        detail: $"There is no ticket {id}.");

    private static ProblemHttpResult VersionMismatch(Guid id) => TypedResults.Problem(
        statusCode: StatusCodes.Status412PreconditionFailed,
        title: "The ticket has changed",
        detail: $"Ticket {id} was changed by someone else. Read it again and retry with its current ETag in If-Match.");

    // If-Match is optional; when sent, it must name the current version ("*" matches any).
    private static bool Satisfies(IList<EntityTagHeaderValue> ifMatch, Ticket ticket)
    {
        if (ifMatch.Count == 0 || ifMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any)))
        {
            return true;
        }

        var current = ETagOf(ticket);
        return ifMatch.Any(tag => tag.Compare(current, useStrongComparison: true));
    }

    internal static EntityTagHeaderValue ETagOf(Ticket ticket) =>
        new($"\"{ticket.Version.ToString(CultureInfo.InvariantCulture)}\"");

    private static void SetETag(HttpContext http, Ticket ticket) =>
        http.Response.GetTypedHeaders().ETag = ETagOf(ticket);

    private abstract record CreateOutcome
    {
        public sealed record Created(Ticket Ticket) : CreateOutcome;

        public sealed record Replayed(IdempotencyRecord Record) : CreateOutcome;

        public sealed record KeyReused : CreateOutcome;
    }

    private abstract record ChangeOutcome
    {
        public sealed record Done(Ticket Ticket, TicketStatus Previous) : ChangeOutcome;

        public sealed record Deleted : ChangeOutcome;

        public sealed record NotFound : ChangeOutcome;

        public sealed record PreconditionFailed : ChangeOutcome;

        public sealed record IllegalTransition(TicketStatus From) : ChangeOutcome;
    }
}
