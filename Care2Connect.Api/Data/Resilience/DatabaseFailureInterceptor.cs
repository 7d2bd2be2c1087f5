using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Care2Connect.Api.Data.Resilience;

/// <summary>Where a unit of work's attempt failed.</summary>
internal enum DatabaseFailurePhase
{
    /// <summary>Nothing recorded (the failure did not come through EF, or the unit of work had not started).</summary>
    Unknown,

    /// <summary>Opening a connection: connecting or logging in. No command was sent.</summary>
    Opening,

    /// <summary>Running a command or ending a transaction: a command was sent.</summary>
    Command,
}

/// <summary>What an attempt's connection went through when it failed: read by <see cref="DatabaseFailureClassifier"/>.</summary>
internal readonly record struct DatabaseFailureEvidence(DatabaseFailurePhase Phase, bool ConnectionLost)
{
    public static DatabaseFailureEvidence None => default;
}

/// <summary>
/// Records on the failing <see cref="CareDbContext"/> where its attempt failed, while the connection still shows it:
/// by the time the exception reaches <see cref="ResilientDatabase"/>, EF has closed the connection and a connection
/// Npgsql broke looks like any closed one.
/// </summary>
internal sealed class DatabaseFailureInterceptor : IDbConnectionInterceptor, IDbCommandInterceptor, IDbTransactionInterceptor
{
    public void ConnectionFailed(DbConnection connection, ConnectionErrorEventData eventData) =>
        Record(eventData.Context, new DatabaseFailureEvidence(DatabaseFailurePhase.Opening, ConnectionLost: true));

    public Task ConnectionFailedAsync(DbConnection connection, ConnectionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        ConnectionFailed(connection, eventData);
        return Task.CompletedTask;
    }

    public void CommandFailed(DbCommand command, CommandErrorEventData eventData) =>
        Record(eventData.Context, new DatabaseFailureEvidence(DatabaseFailurePhase.Command, IsLost(command.Connection)));

    public Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        CommandFailed(command, eventData);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) =>
        Record(eventData.Context, new DatabaseFailureEvidence(DatabaseFailurePhase.Command, IsLost(ConnectionOf(transaction))));

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        TransactionFailed(transaction, eventData);
        return Task.CompletedTask;
    }

    // Npgsql marks a connection Broken when it gives up on it (I/O error, end of stream, or a timeout whose
    // cancellation did not come back); after a command timeout the server honoured, the connection stays Open.
    private static bool IsLost(DbConnection? connection) => connection switch
    {
        NpgsqlConnection npgsql => npgsql.FullState.HasFlag(ConnectionState.Broken) || npgsql.FullState == ConnectionState.Closed,
        null => true,
        _ => connection.State != ConnectionState.Open,
    };

    // An interceptor must never replace the failure it observes: a transaction already disposed has no connection
    // to ask (NpgsqlTransaction.Connection throws), which counts as lost.
    private static DbConnection? ConnectionOf(DbTransaction transaction)
    {
        try
        {
            return transaction.Connection;
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    private static void Record(DbContext? context, DatabaseFailureEvidence evidence)
    {
        if (context is CareDbContext db)
        {
            db.LastFailure = evidence;
        }
    }
}
