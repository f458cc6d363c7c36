using System;

namespace Tokenlay.Emulator.Credits;

/// <summary>
/// Credits granted to an account: what is left of them burns first by <see cref="Priority"/> (lower
/// first), then earliest expiry, then oldest. A grant counts from <see cref="EffectiveAt"/> until
/// <see cref="ExpiresAt"/>.
/// </summary>
internal sealed class CreditGrant
{
    public required string Id { get; init; }
    public required string Account { get; init; }
    public required decimal Amount { get; init; }
    public decimal Remaining { get; set; }
    public int Priority { get; init; } = 10;
    public DateTimeOffset? EffectiveAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary><c>paid</c> or <c>promotional</c>.</summary>
    public string Category { get; init; } = "paid";

    public string? Description { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>How it came: <c>grant</c>, <c>refill</c> (a tier's allocation), <c>rollover</c> or <c>adjustment</c>.</summary>
    public string Source { get; init; } = "grant";

    /// <summary>Whether its <c>grant</c> transaction is in the history: at creation, or when it becomes effective.</summary>
    public bool Announced { get; set; }

    /// <summary>Set when the grant's time is up (or it was rolled over): it no longer counts.</summary>
    public bool Expired { get; set; }

    public bool LiveAt(DateTimeOffset now) => !Expired && (EffectiveAt is null || EffectiveAt <= now) && (ExpiresAt is null || ExpiresAt > now);
}
