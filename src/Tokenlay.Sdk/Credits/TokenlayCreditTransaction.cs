using System;

namespace Tokenlay;

/// <summary>
/// One entry of an account's append-only history. <see cref="Type"/> is <c>grant</c> or <c>refill</c>
/// (positive), <c>burn</c> (negative, with <see cref="LogId"/> and tokens), <c>expiry</c> (negative: what
/// was lost), <c>adjustment</c> (signed, with <see cref="Reason"/>), <c>rollover</c>, or <c>release</c>
/// (amount 0; <see cref="HeldReleased"/> says what hold was returned).
/// </summary>
public sealed class TokenlayCreditTransaction
{
    /// <summary>The transaction id.</summary>
    public string Id { get; init; } = "";

    /// <summary>The account, written <c>per:key</c>.</summary>
    public string? Account { get; init; }

    /// <summary>What happened; see the class summary for the values.</summary>
    public string Type { get; init; } = "";

    /// <summary>The signed change to the settled balance.</summary>
    public decimal Amount { get; init; }

    /// <summary>The settled balance after it.</summary>
    public decimal BalanceAfter { get; init; }

    /// <summary>When it happened (UTC).</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>For a burn: the call's request id (<see cref="TokenlayResponseInfo.RequestId"/>, <c>GET /v1/logs/{id}</c>).</summary>
    public string? LogId { get; init; }

    /// <summary>The grant it concerns, for grants, refills and expiries.</summary>
    public string? GrantId { get; init; }

    /// <summary>For an adjustment: why.</summary>
    public string? Reason { get; init; }

    /// <summary>For a release: the hold returned.</summary>
    public decimal? HeldReleased { get; init; }

    /// <summary>For a burn: the call's input tokens.</summary>
    public long? InputTokens { get; init; }

    /// <summary>For a burn: the call's output tokens.</summary>
    public long? OutputTokens { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{CreatedAt:u} {Type} {Amount} -> {BalanceAfter}" + (Reason is null ? "" : $" ({Reason})");
}
