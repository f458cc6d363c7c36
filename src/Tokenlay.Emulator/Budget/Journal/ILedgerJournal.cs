using System.Collections.Generic;
using System.Threading.Tasks;

namespace Tokenlay.Emulator.Budget.Journal;

/// <summary>
/// Where the <see cref="Ledger"/> keeps its state across restarts (<c>--data</c>): counters,
/// the holds of calls in flight and reservations. The ledger writes every change under its lock, in
/// order, so the store always holds a state the ledger was in; <see cref="DurableAsync"/> completes
/// once everything written so far is committed, which is when a call may be acknowledged.
/// </summary>
internal interface ILedgerJournal
{
    /// <summary>What earlier runs left.</summary>
    LedgerSnapshot Load();

    void Write(LedgerChange change);

    /// <summary>Completes when every change written so far is on disk.</summary>
    Task DurableAsync();
}

/// <summary>The ledger's persisted state.</summary>
internal sealed record LedgerSnapshot(
    List<CounterRow> Counters, List<HoldRow> Holds, List<ReservationRow> Reservations,
    List<CreditAccountRow> CreditAccounts, List<Credits.CreditTransaction> CreditTransactions, List<Credits.CreditTier> CreditTiers,
    List<BlockEntry> Blocks)
{
    public static LedgerSnapshot Empty => new([], [], [], [], [], [], []);
}
