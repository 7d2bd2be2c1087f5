using System.Diagnostics.Metrics;
using System.Net.Sockets;
using Care2Connect.Api.Data;
using Care2Connect.Api.Data.Resilience;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Care2Connect.Tests.Unit;

public sealed class DatabaseResilienceDefaultsTests
{
    [Fact]
    public void Defaults_are_the_documented_production_values()
    {
        var options = new DatabaseResilienceOptions();

        Assert.True(options.Enabled);
        Assert.Equal(3, options.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(1), options.BaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(30), options.CommandTimeout);
        Assert.Equal(5, options.BreakerFailureThreshold);
        Assert.Equal(TimeSpan.FromSeconds(30), options.BreakDuration);
        Assert.Equal(TimeSpan.FromSeconds(5), options.SlowQueryThreshold);
        Assert.Equal(TimeSpan.FromHours(24), options.IdempotencyKeyLifetime);
    }

    [Theory]
    [InlineData(0, 1000)]
    [InlineData(1, 2000)]
    [InlineData(2, 4000)]
    public void Backoff_doubles_from_one_second_within_the_jitter_bounds(int retry, double nominalMs)
    {
        var options = new DatabaseResilienceOptions();

        var lowest = RetryBackoff.Delay(retry, options.BaseDelay, options.JitterRatio, 0.0);
        var middle = RetryBackoff.Delay(retry, options.BaseDelay, options.JitterRatio, 0.5);
        var highest = RetryBackoff.Delay(retry, options.BaseDelay, options.JitterRatio, 0.999999);

        Assert.Equal(nominalMs * 0.8, lowest.TotalMilliseconds, precision: 3);
        Assert.Equal(nominalMs, middle.TotalMilliseconds, precision: 3);
        Assert.InRange(highest.TotalMilliseconds, nominalMs * 1.19, nominalMs * 1.2);
    }
}

public sealed class DatabaseFailureClassifierTests
{
    public static TheoryData<string, string> SqlStates => new()
    {
        { "08006", nameof(DatabaseFailureKind.Transient) }, // connection failure
        { "08001", nameof(DatabaseFailureKind.Transient) },
        { "57P01", nameof(DatabaseFailureKind.Transient) }, // admin shutdown
        { "57P02", nameof(DatabaseFailureKind.Transient) },
        { "57P03", nameof(DatabaseFailureKind.Transient) }, // cannot connect now (starting up)
        { "53300", nameof(DatabaseFailureKind.Transient) }, // too many connections
        { "40001", nameof(DatabaseFailureKind.Transient) }, // serialization failure
        { "40P01", nameof(DatabaseFailureKind.Transient) }, // deadlock
        { "57014", nameof(DatabaseFailureKind.Permanent) }, // query cancelled
        { "23505", nameof(DatabaseFailureKind.Permanent) }, // unique violation
        { "23503", nameof(DatabaseFailureKind.Permanent) }, // foreign key
        { "42P01", nameof(DatabaseFailureKind.Permanent) }, // undefined table
    };

    [Theory]
    [MemberData(nameof(SqlStates))]
    public void Server_errors_are_classified_by_sql_state(string sqlState, string expected) =>
        Assert.Equal(expected, DatabaseFailureClassifier.Classify(new PostgresException("x", "ERROR", "ERROR", sqlState)).ToString());

    private static readonly DatabaseFailureEvidence Opening = new(DatabaseFailurePhase.Opening, ConnectionLost: true);
    private static readonly DatabaseFailureEvidence CommandOnLiveConnection = new(DatabaseFailurePhase.Command, ConnectionLost: false);
    private static readonly DatabaseFailureEvidence CommandOnLostConnection = new(DatabaseFailurePhase.Command, ConnectionLost: true);

    // Npgsql's own shapes (src/Npgsql/Internal/NpgsqlReadBuffer.cs, NpgsqlConnector.cs, v10).
    private static NpgsqlException ReadTimeout() => new("Exception while reading from stream", new TimeoutException("Timeout during reading attempt"));

    private static NpgsqlException ConnectTimeout() => new("The operation has timed out", new TimeoutException());

    private static NpgsqlException StreamEnded() => new("Exception while reading from stream", new EndOfStreamException());

    public static TheoryData<string, Func<Exception>, string, string> Cases => new()
    {
        // What happened, the exception, where (evidence), the kind.
        { "refused connect", () => new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused)), "none", nameof(DatabaseFailureKind.Transient) },
        { "connect timed out", () => new NpgsqlException("Failed to connect to 127.0.0.1:5432", new TimeoutException()), "none", nameof(DatabaseFailureKind.Transient) },
        { "connect timeout, wrapped by EF", () => new InvalidOperationException("likely transient", ConnectTimeout()), "none", nameof(DatabaseFailureKind.Transient) },
        { "first connections waited too long for the type bootstrap", () => new TimeoutException(), "opening", nameof(DatabaseFailureKind.Transient) },
        { "bootstrap timeout, wrapped by EF", () => new InvalidOperationException("likely transient", new TimeoutException()), "none", nameof(DatabaseFailureKind.Transient) },
        { "pool exhausted", () => new NpgsqlException("The connection pool has been exhausted, either raise 'Max Pool Size' or 'Timeout'", new TimeoutException()), "none", nameof(DatabaseFailureKind.Transient) },
        // The defect of issue 13: a proxy accepts while the server behind it is down, the login read times out.
        { "login read timed out", ReadTimeout, "opening", nameof(DatabaseFailureKind.Transient) },
        { "login stream ended", StreamEnded, "opening", nameof(DatabaseFailureKind.Transient) },
        // The server went away mid-command and the cancellation could not reach it: Npgsql broke the connection.
        { "read timed out, connection lost", ReadTimeout, "command-lost", nameof(DatabaseFailureKind.Interrupted) },
        { "stream ended mid-command", StreamEnded, "command-lost", nameof(DatabaseFailureKind.Interrupted) },
        { "stream ended, no evidence", StreamEnded, "none", nameof(DatabaseFailureKind.Interrupted) },
        { "socket reset mid-command", () => new NpgsqlException("Exception while writing to stream", new IOException("reset", new SocketException((int)SocketError.ConnectionReset))), "command-lost", nameof(DatabaseFailureKind.Interrupted) },
        { "commit's stream ended, wrapped by EF", () => new DbUpdateException("save failed", StreamEnded()), "command-lost", nameof(DatabaseFailureKind.Interrupted) },
        // A live server honoured the cancellation: the connection survived. A true command timeout.
        { "command timeout", ReadTimeout, "command-live", nameof(DatabaseFailureKind.CommandTimeout) },
        { "command timeout, writing", () => new NpgsqlException("Exception while writing to stream", new TimeoutException()), "command-live", nameof(DatabaseFailureKind.CommandTimeout) },
        { "read timeout, no evidence", ReadTimeout, "none", nameof(DatabaseFailureKind.CommandTimeout) },
        // The server's own word wins wherever it came.
        { "admin shutdown mid-command", () => new PostgresException("terminating", "FATAL", "FATAL", "57P01"), "command-lost", nameof(DatabaseFailureKind.Transient) },
        { "unique violation", () => new DbUpdateException("save failed", new PostgresException("dup", "ERROR", "ERROR", "23505")), "command-live", nameof(DatabaseFailureKind.Permanent) },
        { "not a database failure", () => new InvalidOperationException(), "none", nameof(DatabaseFailureKind.Permanent) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Failures_are_classified_by_where_they_happened_not_by_their_text_alone(string what, Func<Exception> exception, string where, string expected)
    {
        var evidence = where switch
        {
            "opening" => Opening,
            "command-live" => CommandOnLiveConnection,
            "command-lost" => CommandOnLostConnection,
            _ => DatabaseFailureEvidence.None,
        };

        Assert.True(expected == DatabaseFailureClassifier.Classify(exception(), evidence).ToString(), what);
    }

    public static TheoryData<string, string, bool> Decisions => new()
    {
        { nameof(DatabaseFailureKind.Transient), nameof(UnitOfWorkSafety.ReadOnly), true },
        { nameof(DatabaseFailureKind.Transient), nameof(UnitOfWorkSafety.Idempotent), true },
        { nameof(DatabaseFailureKind.Transient), nameof(UnitOfWorkSafety.NotIdempotent), true },
        { nameof(DatabaseFailureKind.Interrupted), nameof(UnitOfWorkSafety.ReadOnly), true },
        { nameof(DatabaseFailureKind.Interrupted), nameof(UnitOfWorkSafety.Idempotent), true },
        { nameof(DatabaseFailureKind.Interrupted), nameof(UnitOfWorkSafety.NotIdempotent), false },
        { nameof(DatabaseFailureKind.CommandTimeout), nameof(UnitOfWorkSafety.ReadOnly), false },
        { nameof(DatabaseFailureKind.CommandTimeout), nameof(UnitOfWorkSafety.Idempotent), false },
        { nameof(DatabaseFailureKind.CommandTimeout), nameof(UnitOfWorkSafety.NotIdempotent), false },
        { nameof(DatabaseFailureKind.Permanent), nameof(UnitOfWorkSafety.ReadOnly), false },
        { nameof(DatabaseFailureKind.Cancelled), nameof(UnitOfWorkSafety.ReadOnly), false },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Only_what_is_safe_to_run_again_is_retried(string kind, string safety, bool retried) =>
        Assert.Equal(retried, DatabaseFailureClassifier.ShouldRetry(Enum.Parse<DatabaseFailureKind>(kind), Enum.Parse<UnitOfWorkSafety>(safety)));

    [Fact]
    public void A_caller_that_gave_up_is_cancelled_and_other_exceptions_are_permanent()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Equal(DatabaseFailureKind.Cancelled, DatabaseFailureClassifier.Classify(new OperationCanceledException(), cancelled.Token));
        Assert.Equal(DatabaseFailureKind.Permanent, DatabaseFailureClassifier.Classify(new InvalidOperationException()));
    }
}

public sealed class DatabaseCircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    private DatabaseCircuitBreaker Breaker(DatabaseResilienceOptions? options = null) => new(
        new StaticOptionsMonitor(options ?? new DatabaseResilienceOptions()),
        _time,
        new DatabaseMetrics(new TestMeterFactory()),
        NullLogger<DatabaseCircuitBreaker>.Instance);

    [Fact]
    public void Breaker_opens_after_five_consecutive_failures_not_four()
    {
        var breaker = Breaker();

        FailTimes(breaker, 4);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(4, breaker.Snapshot.ConsecutiveFailures);

        FailTimes(breaker, 1);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(_time.GetUtcNow(), breaker.Snapshot.LastTransition);
    }

    [Fact]
    public void A_success_resets_the_count_and_business_errors_do_not_move_it()
    {
        var breaker = Breaker();

        FailTimes(breaker, 4);
        Assert.Equal(BreakerPermit.Allowed, breaker.TryEnter(out _));
        breaker.OnNeutral(BreakerPermit.Allowed);
        Assert.Equal(4, breaker.Snapshot.ConsecutiveFailures);
        breaker.OnSuccess(BreakerPermit.Allowed);
        Assert.Equal(0, breaker.Snapshot.ConsecutiveFailures);

        FailTimes(breaker, 4);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void While_open_calls_are_refused_with_the_time_left_until_half_open()
    {
        var breaker = Breaker();
        FailTimes(breaker, 5);

        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(BreakerPermit.Rejected, breaker.TryEnter(out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(20), retryAfter);
        Assert.Equal(TimeSpan.FromSeconds(20), breaker.Snapshot.TimeUntilHalfOpen);
    }

    [Fact]
    public void After_the_break_exactly_one_trial_goes_through_and_its_success_closes_the_breaker()
    {
        var breaker = Breaker();
        FailTimes(breaker, 5);

        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(BreakerPermit.Trial, breaker.TryEnter(out _));
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.Equal(BreakerPermit.Rejected, breaker.TryEnter(out _));
        breaker.OnSuccess(BreakerPermit.Trial);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(BreakerPermit.Allowed, breaker.TryEnter(out _));
    }

    [Fact]
    public void An_operation_admitted_before_the_breaker_opened_cannot_close_it_by_succeeding_late()
    {
        var breaker = Breaker();
        var early = breaker.TryEnter(out _);
        FailTimes(breaker, 5);

        breaker.OnSuccess(early);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(5, breaker.Snapshot.ConsecutiveFailures);

        Assert.True(breaker.RequestHalfOpenTrial());
        breaker.OnSuccess(early);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        var trial = breaker.TryEnter(out _);
        Assert.Equal(BreakerPermit.Trial, trial);
        breaker.OnSuccess(trial);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void A_failed_trial_reopens_the_breaker_for_another_full_break()
    {
        var breaker = Breaker();
        FailTimes(breaker, 5);
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(BreakerPermit.Trial, breaker.TryEnter(out _));
        breaker.OnFailure(BreakerPermit.Trial);

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(TimeSpan.FromSeconds(30), breaker.Snapshot.TimeUntilHalfOpen);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(BreakerPermit.Rejected, breaker.TryEnter(out _));
    }

    [Fact]
    public void Recovery_can_ask_for_a_trial_at_once()
    {
        var breaker = Breaker();
        Assert.False(breaker.RequestHalfOpenTrial());
        FailTimes(breaker, 5);

        Assert.True(breaker.RequestHalfOpenTrial());

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.Equal(BreakerPermit.Trial, breaker.TryEnter(out _));
    }

    [Fact]
    public void An_inconclusive_trial_frees_the_slot_for_the_next_caller()
    {
        var breaker = Breaker();
        FailTimes(breaker, 5);
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(BreakerPermit.Trial, breaker.TryEnter(out _));
        breaker.OnNeutral(BreakerPermit.Trial);

        Assert.Equal(BreakerPermit.Trial, breaker.TryEnter(out _));
    }

    private static void FailTimes(DatabaseCircuitBreaker breaker, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var permit = breaker.TryEnter(out _);
            Assert.NotEqual(BreakerPermit.Rejected, permit);
            breaker.OnFailure(permit);
        }
    }
}

public sealed class ResilientDatabaseTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services;
    private readonly DatabaseResilienceOptions _options = new();
    private readonly ResilientDatabase _database;

    public ResilientDatabaseTests()
    {
        // A DbContext that never connects: the units of work below fail or succeed without touching a server.
        _services = new ServiceCollection()
            .AddDbContext<CareDbContext>(o => o.UseNpgsql("Host=127.0.0.1;Port=9"))
            .BuildServiceProvider();
        var monitor = new StaticOptionsMonitor(_options);
        var metrics = new DatabaseMetrics(new TestMeterFactory());
        var breaker = new DatabaseCircuitBreaker(monitor, _time, metrics, NullLogger<DatabaseCircuitBreaker>.Instance);
        _database = new ResilientDatabase(
            _services.GetRequiredService<IServiceScopeFactory>(), breaker, monitor, _time, metrics, NullLogger<ResilientDatabase>.Instance);
    }

    [Fact]
    public async Task Transient_failures_are_retried_three_times_with_growing_delays_then_count_once()
    {
        var attempts = new List<DateTimeOffset>();
        var run = _database.ExecuteAsync<int>("test", UnitOfWorkSafety.Idempotent, (_, _) =>
        {
            attempts.Add(_time.GetUtcNow());
            throw Dropped();
        }, CancellationToken.None);

        await AdvanceUntilDoneAsync(run);

        var failure = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => run);
        Assert.Equal(DatabaseUnavailableReason.RetriesExhausted, failure.Reason);
        Assert.Equal(4, attempts.Count);
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => (b - a).TotalSeconds).ToArray();
        // Nominal 1 s, 2 s, 4 s ±20 %; fake time moves in 0.1 s steps, so an attempt may start up to one step late.
        Assert.InRange(gaps[0], 0.8, 1.3);
        Assert.InRange(gaps[1], 1.6, 2.5);
        Assert.InRange(gaps[2], 3.2, 4.9);
        Assert.Equal(1, _database.Breaker.Snapshot.ConsecutiveFailures);
    }

    [Fact]
    public async Task A_failure_that_heals_within_the_retries_succeeds()
    {
        var attempts = 0;
        var run = _database.ExecuteAsync("test", UnitOfWorkSafety.Idempotent, (_, _) => ++attempts < 3 ? throw Dropped() : Task.FromResult(42), CancellationToken.None);

        await AdvanceUntilDoneAsync(run);

        Assert.Equal(42, await run);
        Assert.Equal(3, attempts);
        Assert.Equal(0, _database.Breaker.Snapshot.ConsecutiveFailures);
    }

    [Fact]
    public async Task A_unique_violation_is_not_retried_and_does_not_move_the_breaker()
    {
        var attempts = 0;
        await Assert.ThrowsAsync<DbUpdateException>(() => _database.ExecuteAsync<int>("test", UnitOfWorkSafety.Idempotent, (_, _) =>
        {
            attempts++;
            throw new DbUpdateException("dup", new PostgresException("dup", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation));
        }, CancellationToken.None));

        Assert.Equal(1, attempts);
        Assert.Equal(0, _database.Breaker.Snapshot.ConsecutiveFailures);
        Assert.Equal(CircuitState.Closed, _database.Breaker.State);
    }

    [Fact]
    public async Task A_command_timeout_is_not_retried_and_counts_as_a_failure()
    {
        var attempts = 0;
        var failure = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => _database.ExecuteAsync<int>("test", UnitOfWorkSafety.Idempotent, (_, _) =>
        {
            attempts++;
            throw new NpgsqlException("Exception while reading from stream", new TimeoutException());
        }, CancellationToken.None));

        Assert.Equal(DatabaseUnavailableReason.Timeout, failure.Reason);
        Assert.Equal(1, attempts);
        Assert.Equal(1, _database.Breaker.Snapshot.ConsecutiveFailures);
    }

    [Fact]
    public async Task A_read_whose_connection_was_lost_mid_command_is_retried_and_succeeds()
    {
        var attempts = 0;
        var run = _database.ExecuteAsync("test.read", UnitOfWorkSafety.ReadOnly, (db, _) =>
        {
            Assert.Equal(DatabaseFailureEvidence.None, db.LastFailure);
            return ++attempts < 2 ? LoseConnectionMidCommand<int>(db) : Task.FromResult(7);
        }, CancellationToken.None);

        await AdvanceUntilDoneAsync(run);

        Assert.Equal(7, await run);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task A_write_that_is_not_idempotent_is_not_run_again_after_an_interruption()
    {
        var attempts = 0;
        var failure = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => _database.ExecuteAsync("test.write", UnitOfWorkSafety.NotIdempotent, (db, _) =>
        {
            attempts++;
            return LoseConnectionMidCommand<int>(db);
        }, CancellationToken.None));

        Assert.Equal(DatabaseUnavailableReason.Interrupted, failure.Reason);
        Assert.Equal(1, attempts);
        Assert.Equal(1, _database.Breaker.Snapshot.ConsecutiveFailures);
    }

    [Fact]
    public async Task A_login_that_timed_out_is_retried_even_for_a_write_that_is_not_idempotent()
    {
        var attempts = 0;
        var run = _database.ExecuteAsync("test.write", UnitOfWorkSafety.NotIdempotent, (db, _) =>
        {
            if (++attempts == 1)
            {
                db.LastFailure = new DatabaseFailureEvidence(DatabaseFailurePhase.Opening, ConnectionLost: true);
                throw new NpgsqlException("Exception while reading from stream", new TimeoutException());
            }

            return Task.FromResult(1);
        }, CancellationToken.None);

        await AdvanceUntilDoneAsync(run);

        Assert.Equal(1, await run);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task A_read_that_hit_the_command_timeout_on_a_live_server_is_not_retried()
    {
        var attempts = 0;
        var failure = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => _database.ExecuteAsync<int>("test.read", UnitOfWorkSafety.ReadOnly, (db, _) =>
        {
            attempts++;
            db.LastFailure = new DatabaseFailureEvidence(DatabaseFailurePhase.Command, ConnectionLost: false);
            throw new NpgsqlException("Exception while reading from stream", new TimeoutException());
        }, CancellationToken.None));

        Assert.Equal(DatabaseUnavailableReason.Timeout, failure.Reason);
        Assert.Equal(1, attempts);
    }

    // What DatabaseFailureInterceptor records when Npgsql breaks the connection under a command that timed out
    // because the server behind it had gone (the cancellation could not reach it).
    private static Task<T> LoseConnectionMidCommand<T>(CareDbContext db)
    {
        db.LastFailure = new DatabaseFailureEvidence(DatabaseFailurePhase.Command, ConnectionLost: true);
        throw new NpgsqlException("Exception while reading from stream", new TimeoutException("Timeout during reading attempt"));
    }

    [Fact]
    public async Task Once_open_the_breaker_refuses_work_before_it_starts()
    {
        _options.MaxRetries = 0;
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<DatabaseUnavailableException>(() => _database.ExecuteAsync<int>("test", UnitOfWorkSafety.Idempotent, (_, _) => throw Dropped(), CancellationToken.None));
        }

        var invoked = false;
        var refused = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => _database.ExecuteAsync("test", UnitOfWorkSafety.Idempotent, (_, _) =>
        {
            invoked = true;
            return Task.FromResult(1);
        }, CancellationToken.None));

        Assert.False(invoked, "no unit of work (and so no connection) may start while the breaker is open");
        Assert.Equal(DatabaseUnavailableReason.BreakerOpen, refused.Reason);
        Assert.Equal(TimeSpan.FromSeconds(30), refused.RetryAfter);
    }

    [Fact]
    public async Task Switched_off_it_runs_once_with_no_breaker()
    {
        _options.Enabled = false;
        var attempts = 0;

        await Assert.ThrowsAsync<NpgsqlException>(() => _database.ExecuteAsync<int>("test", UnitOfWorkSafety.Idempotent, (_, _) =>
        {
            attempts++;
            throw Dropped();
        }, CancellationToken.None));

        Assert.Equal(1, attempts);
        Assert.Equal(0, _database.Breaker.Snapshot.ConsecutiveFailures);
    }

    public void Dispose() => _services.Dispose();

    private static NpgsqlException Dropped() => new("Exception while reading from stream", new EndOfStreamException());

    // Moves fake time in small steps, giving the unit of work a moment of real time to schedule its next delay.
    private async Task AdvanceUntilDoneAsync(Task run)
    {
        for (var step = 0; step < 2_000 && !run.IsCompleted; step++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(run, Task.Delay(5));
        }

        Assert.True(run.IsCompleted, "the unit of work did not finish within 200 s of fake time");
    }
}

internal sealed class StaticOptionsMonitor(DatabaseResilienceOptions options) : IOptionsMonitor<DatabaseResilienceOptions>
{
    public DatabaseResilienceOptions CurrentValue => options;

    public DatabaseResilienceOptions Get(string? name) => options;

    public IDisposable? OnChange(Action<DatabaseResilienceOptions, string?> listener) => null;
}

internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose() => _meters.ForEach(m => m.Dispose());
}
