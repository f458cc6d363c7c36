using System;
using System.Collections.Generic;

namespace Tokenlay.Emulator.Budget.Journal;

/// <summary>One change of the ledger, as the store keeps it.</summary>
internal abstract record LedgerChange
{
    /// <summary>A counter's used amount, absolute (so replaying changes in order gives the last value).</summary>
    public sealed record Counter(CounterRow Row) : LedgerChange;

    /// <summary>A counter whose window ended: nothing can read it again.</summary>
    public sealed record CounterDropped(CounterKey Key) : LedgerChange;

    /// <summary>An admitted call's hold, open until it settles.</summary>
    public sealed record HoldOpened(HoldRow Row) : LedgerChange;

    public sealed record HoldClosed(string Id) : LedgerChange;

    /// <summary>A reservation as it now stands.</summary>
    public sealed record Reservation(ReservationRow Row) : LedgerChange;

    /// <summary>A credit account as it now stands (its history is appended apart).</summary>
    public sealed record CreditAccount(CreditAccountRow Row) : LedgerChange;

    /// <summary>One more line of an account's history.</summary>
    public sealed record CreditTransaction(Credits.CreditTransaction Row) : LedgerChange;

    public sealed record CreditTier(Credits.CreditTier Row) : LedgerChange;

    public sealed record Block(BlockEntry Entry) : LedgerChange;

    public sealed record Unblock(string Subject) : LedgerChange;
}

internal sealed record CreditAccountRow(
    string Id, List<Credits.CreditGrant> Grants, decimal Debt, string? TierId, DateTimeOffset? PeriodStart, DateTimeOffset? NextRefillAt,
    List<string> Below, List<GrantKeyRow> Keys);

internal sealed record GrantKeyRow(string Key, string Fingerprint, string GrantId);

/// <summary>Credits an open hold holds on an account (part of them lent by a reservation).</summary>
internal sealed record CreditHold(string Account, decimal Amount, decimal FromReservation);

internal sealed record CounterRow(CounterKey Key, decimal Used);

/// <summary>
/// An open hold. If the emulator stops before the call settles (a crash), the hold is counted as
/// used at its estimate, and <see cref="EntryJson"/> (the call's log entry as it was admitted) is
/// logged with it, so the log, usage and every limit still agree after the restart.
/// </summary>
internal sealed record HoldRow(string Id, string EntryJson, long InputTokens, long OutputTokens, decimal? CostUsd, List<HoldLine> Lines, CreditHold? Credits = null);

internal sealed record ReservationRow(
    string Id, string? RuleId, Dictionary<string, string> Metadata, string Model, long? EstimateTokens, decimal? EstimateCostUsd,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, string Status, List<RemainingRow> Remaining, long UsedTokens, decimal UsedCostUsd, long Calls,
    string? CreditAccount = null, decimal CreditsHeld = 0);

internal sealed record RemainingRow(CounterKey Key, LimitKind Kind, decimal Amount);
