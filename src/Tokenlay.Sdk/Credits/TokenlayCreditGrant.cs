using System;

namespace Tokenlay;

/// <summary>A grant of credits to an account, as Tokenlay keeps it.</summary>
public sealed class TokenlayCreditGrant
{
    /// <summary>The grant id; burns and expiries name it in <see cref="TokenlayCreditTransaction.GrantId"/>.</summary>
    public string Id { get; init; } = "";

    /// <summary>The account, written <c>per:key</c>.</summary>
    public string Account { get; init; } = "";

    /// <summary>The credits granted.</summary>
    public decimal Amount { get; init; }

    /// <summary>What is left of it.</summary>
    public decimal Remaining { get; init; }

    /// <summary>Lower burns first.</summary>
    public int Priority { get; init; }

    /// <summary>When it starts to count (UTC).</summary>
    public DateTimeOffset? EffectiveAt { get; init; }

    /// <summary>When what is left stops counting (UTC); null for never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary><c>paid</c> or <c>promotional</c>.</summary>
    public string? Category { get; init; }

    /// <summary>As given when granted.</summary>
    public string? Description { get; init; }

    /// <summary>Where it came from: <c>grant</c>, or <c>refill</c> / <c>rollover</c> for a tier's.</summary>
    public string? Source { get; init; }

    /// <summary>When it was made (UTC).</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Id}: {Remaining}/{Amount} credits for {Account}" + (ExpiresAt is { } at ? $", expires {at:u}" : "");
}
