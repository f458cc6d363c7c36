using System;
using System.Collections.Generic;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Budget;

/// <summary>
/// What one admitted call holds on the <see cref="Ledger"/> until it settles: a request counted per
/// request limit, a concurrency slot per concurrency limit, and its estimate per token and cost limit
/// (part of it drawn from a reservation, when the call names one).
/// </summary>
internal sealed class Hold
{
    public static readonly Hold None = new(null, DateTimeOffset.MinValue, null);

    public Hold(Rule? rule, DateTimeOffset at, ExceededLimit? exceeded)
    {
        Rule = rule;
        At = at;
        Exceeded = exceeded;
    }

    public Rule? Rule { get; }
    public DateTimeOffset At { get; }

    /// <summary>The first limit the call ran into; set for refused calls and for calls let through anyway (downgrade, warn).</summary>
    public ExceededLimit? Exceeded { get; }

    /// <summary>Whether anything was counted or held (false for a refused call).</summary>
    public bool Counted { get; set; }

    /// <summary>The reservation the call drew on, if any.</summary>
    public Reservation? DrawnFrom { get; set; }

    public List<string> RequestKeys { get; } = new();
    public List<string> ConcurrencyKeys { get; } = new();
    public List<HoldLine> Lines { get; } = new();
}

/// <summary>An amount held on one token or cost counter: <see cref="Own"/> from the limit's headroom, <see cref="FromReservation"/> from a reservation.</summary>
internal sealed record HoldLine(string Key, string Type, decimal Own, decimal FromReservation);
