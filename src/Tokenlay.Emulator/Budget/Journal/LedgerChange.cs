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
}

internal sealed record CounterRow(CounterKey Key, decimal Used);

/// <summary>
/// An open hold. If the emulator stops before the call settles (a crash), the hold is counted as
/// used at its estimate, and <see cref="EntryJson"/> (the call's log entry as it was admitted) is
/// logged with it, so the log, usage and every limit still agree after the restart.
/// </summary>
internal sealed record HoldRow(string Id, string EntryJson, long InputTokens, long OutputTokens, decimal? CostUsd, List<HoldLine> Lines);

internal sealed record ReservationRow(
    string Id, string? RuleId, Dictionary<string, string> Metadata, string Model, long? EstimateTokens, decimal? EstimateCostUsd,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, string Status, List<RemainingRow> Remaining, long UsedTokens, decimal UsedCostUsd, long Calls);

internal sealed record RemainingRow(CounterKey Key, LimitKind Kind, decimal Amount);
