using System;

namespace Tokenlay.Emulator.Credits;

/// <summary>
/// One line of an account's append-only history. <c>settled</c> is always the sum of the amounts:
/// <c>grant</c>, <c>refill</c> and <c>rollover</c> add; <c>burn</c> and <c>expiry</c> take away;
/// <c>adjustment</c> is signed; <c>release</c> is 0 and says in <see cref="HeldReleased"/> what a
/// settled call or reservation gave back of what it held.
/// </summary>
internal sealed record CreditTransaction(
    string Id, long Sequence, string Account, string Type, decimal Amount, decimal BalanceAfter, DateTimeOffset CreatedAt,
    string? LogId = null, string? GrantId = null, string? Reason = null, decimal? HeldReleased = null, long? InputTokens = null, long? OutputTokens = null);
