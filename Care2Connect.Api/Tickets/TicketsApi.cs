using System.Globalization;
using Care2Connect.Api.Data;
using Care2Connect.Api.Http;
using Care2Connect.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;

namespace Care2Connect.Api.Tickets;

internal static class TicketsApi
{
    public static IEndpointRouteBuilder MapTicketsApi(this IEndpointRouteBuilder app)
    {
        var tickets = app.MapGroup("/api/tickets")
            .WithTags("Tickets")
            .RequireAuthorization(ApiPolicies.Operator);

        // Anyone may start a ticket (the person telling their story has no key); everything that reads or
        // changes one needs an operator.
        tickets.MapPost("/", CreateTicket)
            .AllowAnonymous()
            .RequireRateLimiting(HttpPipelineExtensions.CreateTicketPolicy)
            .WithName(nameof(CreateTicket));
        tickets.MapGet("/{id:guid}", GetTicket).WithName(nameof(GetTicket));
        tickets.MapGet("/", ListTickets).WithName(nameof(ListTickets));
        tickets.MapPut("/{id:guid}", UpdateTicket).WithName(nameof(UpdateTicket));
        tickets.MapDelete("/{id:guid}", DeleteTicket).WithName(nameof(DeleteTicket));

        return app;
    }

    internal static async Task<Results<Created<TicketResponse>, ValidationProblem>> CreateTicket(
        CreateTicketRequest request,
        CareDbContext db,
        TimeProvider time,
        HttpContext http,
        ILogger<Ticket> logger,
        CancellationToken cancellationToken)
    {
        var errors = TicketValidation.Validate(request, out var fields);
        if (fields is null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var now = time.GetUtcNow();
        var ticket = new Ticket
        {
            Id = Guid.CreateVersion7(now),
            DisplayName = fields.DisplayName,
            ContactType = fields.ContactType,
            ContactValue = fields.ContactValue,
            Status = TicketStatus.Draft,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Tickets.Add(ticket);
        await db.SaveChangesAsync(cancellationToken);

        Log.TicketCreated(logger, ticket.Id);
        SetETag(http, ticket);
        return TypedResults.Created($"/api/tickets/{ticket.Id}", TicketResponse.From(ticket));
    }

    internal static async Task<Results<Ok<TicketResponse>, ProblemHttpResult>> GetTicket(
        Guid id,
        CareDbContext db,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var ticket = await db.Tickets.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null)
        {
            return NotFound(id);
        }

        SetETag(http, ticket);
        return TypedResults.Ok(TicketResponse.From(ticket));
    }

    internal static async Task<Results<Ok<TicketPage>, ValidationProblem>> ListTickets(
        CareDbContext db,
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
        var query = db.Tickets.AsNoTracking();
        if (statusFilter is { } wanted)
        {
            query = query.Where(t => t.Status == wanted);
        }

        var total = await query.CountAsync(cancellationToken);
        var items = await query
            .OrderByDescending(t => t.CreatedAt).ThenBy(t => t.Id)
            .Skip((pageNumber - 1) * size)
            .Take(size)
            .ToListAsync(cancellationToken);

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
        CareDbContext db,
        TimeProvider time,
        HttpContext http,
        ILogger<Ticket> logger,
        CancellationToken cancellationToken)
    {
        var errors = TicketValidation.Validate(request, out var fields, out var status);
        if (fields is null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var ticket = await db.Tickets.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null)
        {
            return NotFound(id);
        }

        if (PreconditionFailed(http, ticket) is { } failed)
        {
            return failed;
        }

        if (!TicketLifecycle.CanMove(ticket.Status, status))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Illegal status transition",
                detail: $"A ticket in {TicketWireNames.ToWire(ticket.Status)} cannot move to {TicketWireNames.ToWire(status)}. "
                    + $"Allowed: {string.Join(", ", TicketLifecycle.NextOf(ticket.Status).Select(TicketWireNames.ToWire))}.");
        }

        var previous = ticket.Status;
        ticket.DisplayName = fields.DisplayName;
        ticket.ContactType = fields.ContactType;
        ticket.ContactValue = fields.ContactValue;
        ticket.Status = status;
        ticket.UpdatedAt = time.GetUtcNow();
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return VersionMismatch(id);
        }

        Log.TicketUpdated(logger, ticket.Id, previous, ticket.Status);
        SetETag(http, ticket);
        return TypedResults.Ok(TicketResponse.From(ticket));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteTicket(
        Guid id,
        CareDbContext db,
        HttpContext http,
        ILogger<Ticket> logger,
        CancellationToken cancellationToken)
    {
        var ticket = await db.Tickets.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null)
        {
            return NotFound(id);
        }

        if (PreconditionFailed(http, ticket) is { } failed)
        {
            return failed;
        }

        db.Tickets.Remove(ticket);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return VersionMismatch(id);
        }

        Log.TicketDeleted(logger, id);
        return TypedResults.NoContent();
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
    private static ProblemHttpResult? PreconditionFailed(HttpContext http, Ticket ticket)
    {
        var ifMatch = http.Request.GetTypedHeaders().IfMatch;
        if (ifMatch.Count == 0 || ifMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any)))
        {
            return null;
        }

        var current = ETagOf(ticket);
        return ifMatch.Any(tag => tag.Compare(current, useStrongComparison: true)) ? null : VersionMismatch(ticket.Id);
    }

    private static EntityTagHeaderValue ETagOf(Ticket ticket) =>
        new($"\"{ticket.Version.ToString(CultureInfo.InvariantCulture)}\"");

    private static void SetETag(HttpContext http, Ticket ticket) =>
        http.Response.GetTypedHeaders().ETag = ETagOf(ticket);
}
