using System;
using System.Collections.Generic;
using System.Linq;

namespace Tokenlay.Emulator.Credits;

/// <summary>
/// One account's credits (<c>per:key</c>, such as <c>user:alice</c>): its grants, what in-flight
/// calls and reservations hold, its tier and its history. <c>settled</c> is what live grants have
/// left less any <see cref="Debt"/> (what overage or records burned beyond them); <c>available</c>
/// is settled less held. Guarded by the ledger's lock.
/// </summary>
internal sealed class CreditAccount
{
    /// <summary>At most this many transactions are kept in memory per account (all of them in the --data store).</summary>
    public const int TransactionsKept = 10_000;

    /// <summary>At most this many grant idempotency keys are remembered per account, oldest first out.</summary>
    public const int KeysKept = 1_000;

    public required string Id { get; init; }
    public List<CreditGrant> Grants { get; } = new();
    public decimal Debt { get; set; }
    public decimal Held { get; set; }
    public string? TierId { get; set; }
    public DateTimeOffset? PeriodStart { get; set; }
    public DateTimeOffset? NextRefillAt { get; set; }

    /// <summary>Thresholds the balance is below now (by their text): each fires once per crossing.</summary>
    public HashSet<string> Below { get; } = new(StringComparer.Ordinal);

    /// <summary>Grant idempotency keys: the body's fingerprint and the grant it made.</summary>
    public Dictionary<string, (string Fingerprint, string GrantId)> Keys { get; } = new(StringComparer.Ordinal);

    /// <summary>Newest last.</summary>
    public List<CreditTransaction> Transactions { get; } = new();

    public decimal Settled(DateTimeOffset now) => Grants.Where(g => g.LiveAt(now)).Sum(g => g.Remaining) - Debt;

    public decimal Available(DateTimeOffset now) => Settled(now) - Held;

    /// <summary>The live grants in burn order: priority, then earliest expiry, then oldest.</summary>
    public IEnumerable<CreditGrant> BurnOrder(DateTimeOffset now) => Grants
        .Where(g => g.LiveAt(now) && g.Remaining > 0)
        .OrderBy(g => g.Priority)
        .ThenBy(g => g.ExpiresAt ?? DateTimeOffset.MaxValue)
        .ThenBy(g => g.CreatedAt)
        .ThenBy(g => g.Id, StringComparer.Ordinal);
}
