using System.Net.Sockets;
using Npgsql;

namespace Care2Connect.Api.Data.Resilience;

internal enum DatabaseFailureKind
{
    /// <summary>Not a database failure, or one that retrying cannot fix (constraint violation, bad SQL, ...).</summary>
    Permanent,

    /// <summary>
    /// Nothing took effect: the server could not be reached (connect failure, also a timeout while connecting or
    /// logging in), refused us, or rolled the transaction back (shutdown, serialization failure, deadlock), or the
    /// pool is exhausted. Retried for every unit of work.
    /// </summary>
    Transient,

    /// <summary>
    /// The connection was lost while a command ran (the server went away, or a timeout whose cancellation never
    /// reached it): the outcome is unknown. Retried only for a unit of work that is safe to run again.
    /// </summary>
    Interrupted,

    /// <summary>
    /// The server is alive and the command hit its own timeout: Npgsql cancelled it on the server, and the connection
    /// survived. Never retried — repeating a slow statement on a struggling server only adds load.
    /// </summary>
    CommandTimeout,

    /// <summary>The caller gave up (request aborted, shutdown). Neither retried nor counted.</summary>
    Cancelled,
}

/// <summary>
/// Which failures are worth retrying: the equivalents of the original system's retryable Prisma codes
/// (P1001 unreachable, P1002 connect timeout, P1017 connection closed, P2024 pool timeout) plus serialization
/// failures and deadlocks. Never: constraint violations, validation, a cancelled query (57014), or a command
/// that hit its own timeout.
/// <para>
/// Npgsql throws the same exception — "Exception while reading from stream" around a <see cref="TimeoutException"/> —
/// for three different things: a timeout while logging in (nothing was sent), a command timeout the server
/// honoured (the query was cancelled), and a read that timed out because the server is gone and the cancellation
/// could not reach it (outcome unknown). The text cannot tell them apart; what happened to the connection can.
/// <see cref="DatabaseFailureInterceptor"/> records it per attempt as <see cref="DatabaseFailureEvidence"/>, and
/// <see cref="ShouldRetry"/> then decides by the unit of work's <see cref="UnitOfWorkSafety"/>.
/// </para>
/// </summary>
internal static class DatabaseFailureClassifier
{
    /// <summary>Classifies a failure from the exception alone (no evidence of where it happened).</summary>
    public static DatabaseFailureKind Classify(Exception exception, CancellationToken callerToken = default) =>
        Classify(exception, DatabaseFailureEvidence.None, callerToken);

    public static DatabaseFailureKind Classify(Exception exception, DatabaseFailureEvidence evidence, CancellationToken callerToken = default)
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
                    // The server answered: its SQL state says what happened, wherever it happened.
                    return ClassifySqlState(postgres.SqlState);
                case NpgsqlException npgsql:
                    return ClassifyNpgsql(npgsql, evidence);
                case SocketException or EndOfStreamException or IOException:
                    return ByPhase(evidence);
                case TimeoutException:
                    // Npgsql throws a bare TimeoutException only while opening a connection (the connect attempt, or
                    // a new process's first connections waiting for its type bootstrap): nothing was sent.
                    return DatabaseFailureKind.Transient;
            }
        }

        return exception is OperationCanceledException ? DatabaseFailureKind.Cancelled : DatabaseFailureKind.Permanent;
    }

    /// <summary>The retry decision: by what failed and by whether the unit of work may run again.</summary>
    public static bool ShouldRetry(DatabaseFailureKind kind, UnitOfWorkSafety safety) => kind switch
    {
        DatabaseFailureKind.Transient => true,
        DatabaseFailureKind.Interrupted => safety is UnitOfWorkSafety.ReadOnly or UnitOfWorkSafety.Idempotent,
        _ => false,
    };

    public static DatabaseFailureKind ClassifySqlState(string sqlState) => sqlState switch
    {
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) => DatabaseFailureKind.Transient, // connection exceptions
        "57P01" or "57P02" or "57P03" => DatabaseFailureKind.Transient, // admin/crash shutdown (rolled back), cannot connect now
        "53300" => DatabaseFailureKind.Transient, // too many connections
        "40001" or "40P01" => DatabaseFailureKind.Transient, // serialization failure, deadlock (rolled back)
        _ => DatabaseFailureKind.Permanent, // includes 57014 (query cancelled) and 23xxx (constraints)
    };

    private static DatabaseFailureKind ClassifyNpgsql(NpgsqlException exception, DatabaseFailureEvidence evidence)
    {
        if (exception.Message.StartsWith("The connection pool has been exhausted", StringComparison.Ordinal)
            || exception.Message.StartsWith("Failed to connect", StringComparison.Ordinal))
        {
            return DatabaseFailureKind.Transient;
        }

        if (exception.InnerException is TimeoutException)
        {
            return evidence.Phase switch
            {
                // Logging in timed out (e.g. a proxy that accepts while the server behind it is down): nothing was sent.
                DatabaseFailurePhase.Opening => DatabaseFailureKind.Transient,
                // The connection survived, so Npgsql's cancellation reached a live server: a true command timeout.
                // A broken connection means the cancellation never reached it: the server went away mid-command.
                DatabaseFailurePhase.Command => evidence.ConnectionLost ? DatabaseFailureKind.Interrupted : DatabaseFailureKind.CommandTimeout,
                // No evidence: Npgsql's connect timeout says so in its text; any other timeout is taken for a command
                // timeout, the answer that never retries.
                _ => exception.Message.StartsWith("Exception while ", StringComparison.Ordinal)
                    ? DatabaseFailureKind.CommandTimeout
                    : DatabaseFailureKind.Transient,
            };
        }

        if (exception.InnerException is SocketException or IOException or EndOfStreamException)
        {
            return ByPhase(evidence);
        }

        return exception.IsTransient ? ByPhase(evidence) : DatabaseFailureKind.Permanent;
    }

    /// <summary>A dropped connection: harmless while opening it, an unknown outcome once a command was sent.</summary>
    private static DatabaseFailureKind ByPhase(DatabaseFailureEvidence evidence) =>
        evidence.Phase == DatabaseFailurePhase.Opening ? DatabaseFailureKind.Transient : DatabaseFailureKind.Interrupted;
}
