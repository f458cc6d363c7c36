using System;
using System.Collections.Generic;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Budget;

/// <summary>
/// Budget held for a job (<c>POST /v1/reservations</c>): amounts held on the counters of the rule
/// the reservation's metadata and model fall under, counted against everyone else until committed,
/// released or expired. Guarded by the <see cref="Ledger"/>'s lock.
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

    /// <summary>What is still held, by counter key, with the limit type of each counter.</summary>
    public Dictionary<string, (string Type, decimal Amount)> Remaining { get; } = new(StringComparer.Ordinal);

    /// <summary>Usage metered against the reservation so far (commits and proxied calls).</summary>
    public long UsedTokens { get; set; }
    public decimal UsedCostUsd { get; set; }
    public long Calls { get; set; }

    public bool Active => Status == "active";

    public decimal RemainingFor(string key) => Remaining.TryGetValue(key, out var held) ? held.Amount : 0;
}
