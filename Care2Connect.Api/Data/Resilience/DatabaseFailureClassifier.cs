using System.Net.Sockets;
using Npgsql;

namespace Care2Connect.Api.Data.Resilience;

internal enum DatabaseFailureKind
{
    /// <summary>Not a database failure, or one that retrying cannot fix (constraint violation, bad SQL, ...).</summary>
    Permanent,

    /// <summary>The server could not be reached or dropped us, the pool is exhausted, or a serialization conflict: retry.</summary>
    Transient,

    /// <summary>A command hit its own timeout. The server cancelled it; it is not retried (see docs).</summary>
    CommandTimeout,

    /// <summary>The caller gave up (request aborted, shutdown). Neither retried nor counted.</summary>
    Cancelled,
}

/// <summary>
/// Which failures are worth retrying: the equivalents of the original system's retryable Prisma codes
/// (P1001 unreachable, P1002 connect timeout, P1017 connection closed, P2024 pool timeout) plus serialization
/// failures and deadlocks. Never: constraint violations, validation, a cancelled query (57014), or a command
/// that hit its own timeout — it may already have done its work, and repeating a slow statement on a struggling
/// server only adds load. A timeout while connecting is not a command timeout: nothing was sent.
/// </summary>
internal static class DatabaseFailureClassifier
{
    public static DatabaseFailureKind Classify(Exception exception, CancellationToken callerToken = default)
    {
        if (callerToken.IsCancellationRequested && exception is OperationCanceledException)
        {
            return DatabaseFailureKind.Cancelled;
        }

        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException postgres:
                    return ClassifySqlState(postgres.SqlState);
                case NpgsqlException npgsql:
                    return ClassifyNpgsql(npgsql);
                case SocketException or EndOfStreamException:
                    return DatabaseFailureKind.Transient;
            }
        }

        return exception is OperationCanceledException ? DatabaseFailureKind.Cancelled : DatabaseFailureKind.Permanent;
    }

    public static DatabaseFailureKind ClassifySqlState(string sqlState) => sqlState switch
    {
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) => DatabaseFailureKind.Transient, // connection exceptions
        "57P01" or "57P02" or "57P03" => DatabaseFailureKind.Transient, // admin/crash shutdown, cannot connect now
        "53300" => DatabaseFailureKind.Transient, // too many connections
        "40001" or "40P01" => DatabaseFailureKind.Transient, // serialization failure, deadlock
        _ => DatabaseFailureKind.Permanent, // includes 57014 (query cancelled) and 23xxx (constraints)
    };

    private static DatabaseFailureKind ClassifyNpgsql(NpgsqlException exception)
    {
        if (exception.Message.StartsWith("The connection pool has been exhausted", StringComparison.Ordinal))
        {
            return DatabaseFailureKind.Transient;
        }

        if (exception.Message.StartsWith("Failed to connect", StringComparison.Ordinal))
        {
            return DatabaseFailureKind.Transient;
        }

        // Npgsql reports a command timeout as "Exception while reading from (or writing to) stream" wrapping a
        // TimeoutException. Any other timeout it wraps is the connect timeout ("The operation has timed out" from
        // opening a connection, also when EF opens one in the middle of a unit of work): nothing was sent.
        if (exception.InnerException is TimeoutException)
        {
            return exception.Message.StartsWith("Exception while ", StringComparison.Ordinal)
                ? DatabaseFailureKind.CommandTimeout
                : DatabaseFailureKind.Transient;
        }

        return exception.InnerException is SocketException or IOException or EndOfStreamException || exception.IsTransient
            ? DatabaseFailureKind.Transient
            : DatabaseFailureKind.Permanent;
    }
}
