using System;
using System.Collections.Generic;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Budget;

/// <summary>
/// What one admitted call holds on the <see cref="Ledger"/> until it settles: a request counted per
/// request limit, a concurrency slot per concurrency limit, and its estimate per token and cost limit
/// (part of it drawn from a reservation, when the call names one it may use).
/// </summary>
internal sealed class Hold
{
    public static readonly Hold None = new(null, "", DateTimeOffset.MinValue, null);

    public Hold(Rule? rule, string id, DateTimeOffset at, ExceededLimit? exceeded)
    {
        Rule = rule;
        Id = id;
        At = at;
        Exceeded = exceeded;
    }

    public Rule? Rule { get; }

    /// <summary>The call's request id: the key of its row in the durable store while it is open.</summary>
    public string Id { get; }

    public DateTimeOffset At { get; }

    /// <summary>The first limit the call ran into; set for refused calls and for calls let through anyway (downgrade, warn).</summary>
    public ExceededLimit? Exceeded { get; }

    /// <summary>Whether anything was counted or held (false for a refused call).</summary>
    public bool Counted { get; set; }

    /// <summary>The reservation the call drew on, if any.</summary>
    public Reservation? DrawnFrom { get; set; }

    /// <summary>Why a reservation the call named was not drawn on (another subject, rule or model; spent; expired).</summary>
    public string? ReservationRefused { get; set; }

    /// <summary>The output tokens (over all choices) held for the call: its cap. Null when no token or cost limit holds anything.</summary>
    public long? OutputTokens { get; set; }

    /// <summary>What the hold counts as used if the emulator stops before the call ends (a crash): the estimate.</summary>
    public UsageEstimate Estimate { get; set; }

    /// <summary>The credits the call holds (<c>then.credits</c>), if any.</summary>
    public Journal.CreditHold? Credits { get; set; }

    /// <summary>Why credits refused the call: 402 <c>insufficient_credits</c> or <c>credits_unpriced_model</c>.</summary>
    public CreditRefusal? CreditRefusal { get; set; }

    /// <summary>Credits per input and output token of the call's model, fixed at admission.</summary>
    public (decimal Input, decimal Output)? CreditRate { get; set; }

    /// <summary>Once settled: credits the call burned and the account's available balance after.</summary>
    public decimal? CreditsUsed { get; set; }
    public decimal? CreditsRemaining { get; set; }

    /// <summary>Whether the hold was settled already (settling twice changes nothing).</summary>
    public bool Settled { get; set; }

    public List<CounterKey> RequestKeys { get; } = new();
    public List<CounterKey> ConcurrencyKeys { get; } = new();
    public List<HoldLine> Lines { get; } = new();
}

/// <summary>
/// An amount held on one token or cost counter, <see cref="Key"/> (in the window the call runs in):
/// <see cref="Own"/> from the limit's headroom, <see cref="FromReservation"/> moved from the
/// reservation's own counter <see cref="ReservationKey"/> (which may be an earlier window).
/// </summary>
internal sealed record HoldLine(CounterKey Key, LimitKind Kind, decimal Own, decimal FromReservation, CounterKey? ReservationKey);

/// <summary>A call or reservation refused by credits: the account, what it has available and what was required.</summary>
internal sealed record CreditRefusal(string Account, decimal Available, decimal Required, string Code);
