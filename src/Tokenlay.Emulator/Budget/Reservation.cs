using System;
using System.Collections.Generic;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Budget;

/// <summary>
/// Budget held for a job (<c>POST /v1/reservations</c>): amounts held on the counters of the rule
/// the reservation's metadata and model fall under, counted against everyone else until committed,
/// released or expired. Only calls of the same subject (the same value of every limit's <c>per</c>),
/// rule and model family may draw on it, and it never lifts a request or concurrency limit.
/// Guarded by the <see cref="Ledger"/>'s lock.
/// </summary>
internal sealed class Reservation
{
    public required string Id { get; init; }
    public required Rule? Rule { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }
    public required string Model { get; init; }
    public required UsageEstimate Estimate { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary><c>active</c>, <c>released</c> or <c>expired</c>.</summary>
    public string Status { get; set; } = "active";

    /// <summary>What is still held, by counter (in the window the reservation was made in), with the kind of each counter's limit.</summary>
    public Dictionary<CounterKey, (LimitKind Kind, decimal Amount)> Remaining { get; } = new();

    /// <summary>Usage metered against the reservation so far (commits and proxied calls).</summary>
    public long UsedTokens { get; set; }
    public decimal UsedCostUsd { get; set; }
    public long Calls { get; set; }

    public bool Active => Status == "active";

    /// <summary>The credit account the reservation holds credits on (<c>then.credits</c>), if any.</summary>
    public string? CreditAccount { get; set; }

    /// <summary>Credits still held on <see cref="CreditAccount"/>.</summary>
    public decimal CreditsHeld { get; set; }

    /// <summary>The counter this reservation holds on for the same limit and subject as <paramref name="key"/>, in whatever window.</summary>
    public CounterKey? HeldOn(CounterKey key)
    {
        foreach (CounterKey held in Remaining.Keys)
        {
            if (held.SameSubject(key))
            {
                return held;
            }
        }
        return null;
    }

    public decimal RemainingOn(CounterKey? key) => key is { } k && Remaining.TryGetValue(k, out var held) ? held.Amount : 0;
}
