namespace Care2Connect.Api.Data.Resilience;

/// <summary>
/// Whether a unit of work may run again when its connection was lost mid-command and nobody knows whether it took
/// effect (<see cref="DatabaseFailureKind.Interrupted"/>). Every unit of work says which it is; failures where
/// nothing took effect are retried whatever it says.
/// </summary>
internal enum UnitOfWorkSafety
{
    /// <summary>Changes nothing: running it again is always safe.</summary>
    ReadOnly,

    /// <summary>
    /// Changes data, and running it again after it committed has the same effect: an <c>Idempotency-Key</c>, an id
    /// chosen before the first attempt and looked up first, or a change that is a success when already applied.
    /// </summary>
    Idempotent,

    /// <summary>Changes data and might apply twice: an interrupted attempt is not retried, the caller is told.</summary>
    NotIdempotent,
}
