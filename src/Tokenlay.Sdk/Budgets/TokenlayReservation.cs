using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Tokenlay.Companion;

namespace Tokenlay;

/// <summary>
/// Budget held for a job (<see cref="TokenlayLimitsClient.ReserveAsync(TokenlayReservationRequest, CancellationToken)"/>). Proxied calls made in
/// <see cref="BeginScope"/> (or with <see cref="TokenlayRequestContext.ReservationId"/>) draw on it and
/// are not refused while it covers them; <see cref="CommitAsync"/> meters work done outside the proxy
/// against it; disposing it releases what was not used. A reservation nobody releases expires at
/// <see cref="ExpiresAt"/>, so a crashed job does not hold budget for ever.
/// </summary>
/// <example>
/// <code>
/// await using TokenlayReservation budget = await tokenlay.Limits.ReserveAsync(
///     new TokenlayReservationRequest("gpt-4o") { User = "alice", EstimatedCostUsd = 0.25m });
/// using (budget.BeginScope())
/// {
///     // every step of the agent job draws on the $0.25 held for it
/// }
/// </code>
/// </example>
public class TokenlayReservation : IAsyncDisposable
{
    private readonly TokenlayLimitsClient? _client;
    private TokenlayReservationState _state;

    /// <summary>For mocking.</summary>
    protected TokenlayReservation()
    {
        _state = new TokenlayReservationState();
    }

    internal TokenlayReservation(TokenlayReservationState state, TokenlayLimitsClient? client)
    {
        _state = state;
        _client = client;
    }

    /// <summary>The reservation id; proxied calls name it in <c>x-tokenlay-reservation</c>.</summary>
    public virtual string Id => _state.Id;

    /// <summary>Active, released or expired, as last seen.</summary>
    public virtual TokenlayReservationStatus? Status => _state.Status;

    /// <summary>The model the reservation was made for.</summary>
    public virtual string? Model => _state.Model;

    /// <summary>The rule whose limits hold the budget; null when no rule applies (nothing is held).</summary>
    public virtual string? RuleId => _state.RuleId;

    /// <summary>What is still held, as last seen.</summary>
    public virtual TokenlayBudgetAmount Held => _state.Held;

    /// <summary>The estimate the reservation was made for (the hold starts at it).</summary>
    public virtual TokenlayBudgetAmount Estimate => _state.Estimate;

    /// <summary>The attribution the reservation was made with (user, org, feature...); calls in its scope carry it.</summary>
    public virtual IReadOnlyDictionary<string, string> Metadata => _state.Metadata;

    /// <summary>What was metered against the reservation so far (commits and proxied calls), as last seen.</summary>
    public virtual TokenlayBudgetAmount Used => _state.Used;

    /// <summary>How many commits and proxied calls drew on it, as last seen.</summary>
    public virtual long Calls => _state.Calls;

    /// <summary>When the hold is released if nobody releases it (UTC).</summary>
    public virtual DateTimeOffset ExpiresAt => _state.ExpiresAt;

    /// <summary>
    /// Starts a <see cref="TokenlayScope"/> in which proxied calls draw on this reservation, with
    /// <paramref name="context"/>'s attribution (or the current scope's, when null).
    /// </summary>
    public virtual IDisposable BeginScope(TokenlayRequestContext? context = null)
    {
        TokenlayRequestContext scoped = context ?? new TokenlayRequestContext();
        scoped.ReservationId = Id;
        return TokenlayScope.Begin(scoped);
    }

    /// <summary>
    /// Meters usage done outside the proxy (a local model, a browser session) against the hold;
    /// beyond the hold it counts on the limits like any usage.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual async Task<TokenlayRecordResult> CommitAsync(long inputTokens, long outputTokens, CancellationToken cancellationToken = default)
    {
        if (inputTokens < 0 || outputTokens < 0)
        {
            throw new ArgumentOutOfRangeException(inputTokens < 0 ? nameof(inputTokens) : nameof(outputTokens), "Token counts cannot be negative.");
        }
        if (_client is null)
        {
            return CommitLocally(inputTokens, outputTokens);
        }
        TokenlayRecordResult result = await _client.CommitAsync(Id, inputTokens, outputTokens, cancellationToken).ConfigureAwait(false);
        if (result.ReservationState is { } state)
        {
            _state = state;
        }
        return result;
    }

    /// <summary>Releases what is still held; the reservation can no longer be drawn on. Releasing twice is harmless.</summary>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual async Task ReleaseAsync(CancellationToken cancellationToken = default)
    {
        if (_client is null)
        {
            _state = Copy(_state, TokenlayReservationStatus.Released, new TokenlayBudgetAmount(), _state.Used, _state.Calls);
            return;
        }
        _state = await _client.ReleaseAsync(Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Releases what was not used. Never throws: if Tokenlay cannot be reached the hold is released
    /// at <see cref="ExpiresAt"/> anyway.
    /// </summary>
    public virtual async ValueTask DisposeAsync()
    {
        if (Status == TokenlayReservationStatus.Released || Status == TokenlayReservationStatus.Expired)
        {
            return;
        }
        try
        {
            await ReleaseAsync().ConfigureAwait(false);
        }
        catch (TokenlayException)
        {
            // The hold expires on its own; disposing must not turn a finished job into a failure.
        }
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc />
    public override string ToString() => $"Reservation {Id} ({Status}): held {Held}, used {Used}, expires {ExpiresAt:u}";

    // A reservation from TokenlayModelFactory has no server: commits are kept in memory, so tests can use it as a fake.
    private TokenlayRecordResult CommitLocally(long inputTokens, long outputTokens)
    {
        long tokens = inputTokens + outputTokens;
        var held = new TokenlayBudgetAmount { Tokens = Math.Max(0, Held.Tokens - tokens), CostUsd = Held.CostUsd };
        var used = new TokenlayBudgetAmount { Tokens = Used.Tokens + tokens, CostUsd = Used.CostUsd };
        _state = Copy(_state, _state.Status, held, used, _state.Calls + 1);
        return new TokenlayRecordResult
        {
            Entry = new TokenlayLogEntry { Source = "reservation", ReservationId = Id, ModelUsed = Model, InputTokens = inputTokens, OutputTokens = outputTokens, Counted = true, Success = true },
        };
    }

    private static TokenlayReservationState Copy(TokenlayReservationState s, TokenlayReservationStatus? status, TokenlayBudgetAmount held, TokenlayBudgetAmount used, long calls) => new()
    {
        Id = s.Id, Status = status, Model = s.Model, RuleId = s.RuleId, Held = held, Used = used, Calls = calls, CreatedAt = s.CreatedAt, ExpiresAt = s.ExpiresAt,
    };
}
