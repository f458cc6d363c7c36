using System;
using System.Collections.Generic;

namespace Tokenlay;

/// <summary>A credit account's balance (<c>GET /v1/credits/accounts/{account}</c>).</summary>
public sealed class TokenlayCreditAccount
{
    /// <summary>The account, written <c>per:key</c>.</summary>
    public string Account { get => _account ?? ""; init => _account = value; }

    private readonly string? _account;

    /// <summary>The sum of the live grants' remaining credits (always the sum of the history's amounts).</summary>
    public decimal Settled { get; init; }

    /// <summary>Held by calls in flight and reservations.</summary>
    public decimal Held { get; init; }

    /// <summary><see cref="Settled"/> minus <see cref="Held"/>: what the next call can spend. Negative only under <c>overage: "allow"</c>.</summary>
    public decimal Available { get; init; }

    /// <summary>The tier the account is on; null for none.</summary>
    public string? Tier { get; init; }

    /// <summary>When the tier next refills (UTC); null without a tier.</summary>
    public DateTimeOffset? NextRefillAt { get; init; }

    /// <summary>The live grants, in burn order's terms (priority, expiry, age).</summary>
    public IReadOnlyList<TokenlayCreditGrant> Grants { get => _grants ?? Array.Empty<TokenlayCreditGrant>(); init => _grants = value; }

    private readonly IReadOnlyList<TokenlayCreditGrant>? _grants;

    /// <inheritdoc />
    public override string ToString() => $"{Account}: {Available} available ({Settled} settled, {Held} held)" + (Tier is null ? "" : $", tier {Tier}");
}
