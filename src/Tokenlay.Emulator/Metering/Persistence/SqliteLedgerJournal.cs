using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Tokenlay.Emulator.Budget;
using Tokenlay.Emulator.Budget.Journal;
using Tokenlay.Emulator.Credits;
using System.Linq;

namespace Tokenlay.Emulator.Metering.Persistence;

/// <summary>
/// The ledger's journal in the <c>--data</c> database: counters (absolute used amounts), open
/// holds and reservations, one row each, rewritten as they change. Written by the store's one
/// writer, so a change is on disk in the order it happened.
/// </summary>
internal sealed class SqliteLedgerJournal : ILedgerJournal
{
    private readonly SqliteCallStore _store;

    public SqliteLedgerJournal(SqliteCallStore store) => _store = store;

    public LedgerSnapshot Load() => _store.Read(connection =>
    {
        var counters = new List<CounterRow>();
        foreach ((string key, string used) in Rows(connection, "SELECT key, used FROM ledger_counters"))
        {
            counters.Add(new CounterRow(JsonSerializer.Deserialize<CounterKey>(key, EmulatorJson.Options), decimal.Parse(used, CultureInfo.InvariantCulture)));
        }
        var holds = new List<HoldRow>();
        foreach ((_, string hold) in Rows(connection, "SELECT id, hold FROM ledger_holds"))
        {
            holds.Add(JsonSerializer.Deserialize<HoldRow>(hold, EmulatorJson.Options)!);
        }
        var reservations = new List<ReservationRow>();
        foreach ((_, string reservation) in Rows(connection, "SELECT id, reservation FROM ledger_reservations"))
        {
            reservations.Add(JsonSerializer.Deserialize<ReservationRow>(reservation, EmulatorJson.Options)!);
        }
        var accounts = Rows(connection, "SELECT id, account FROM credit_accounts").Select(r => JsonSerializer.Deserialize<CreditAccountRow>(r.Item2, EmulatorJson.Options)!).ToList();
        var transactions = Rows(connection, "SELECT account, txn FROM credit_transactions ORDER BY seq").Select(r => JsonSerializer.Deserialize<CreditTransaction>(r.Item2, EmulatorJson.Options)!).ToList();
        var tiers = Rows(connection, "SELECT id, tier FROM credit_tiers").Select(r => JsonSerializer.Deserialize<CreditTier>(r.Item2, EmulatorJson.Options)!).ToList();
        var blocks = Rows(connection, "SELECT subject, entry FROM blocklist").Select(r => JsonSerializer.Deserialize<BlockEntry>(r.Item2, EmulatorJson.Options)!).ToList();
        return new LedgerSnapshot(counters, holds, reservations, accounts, transactions, tiers, blocks);
    });

    public void Write(LedgerChange change) => _store.Enqueue(new Change(change));

    public Task DurableAsync() => _store.WhenWrittenAsync();

    private static List<(string, string)> Rows(SqliteConnection connection, string sql)
    {
        using SqliteCommand select = connection.CreateCommand();
        select.CommandText = sql;
        using SqliteDataReader reader = select.ExecuteReader();
        var rows = new List<(string, string)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }
        return rows;
    }

    private sealed record Change(LedgerChange What) : IStoreWrite
    {
        public void Apply(SqliteConnection connection, SqliteTransaction transaction)
        {
            switch (What)
            {
                case LedgerChange.Counter c:
                    StoreSql.Run(connection, transaction, "INSERT OR REPLACE INTO ledger_counters (key, used) VALUES ($key, $used)",
                        ("$key", Key(c.Row.Key)), ("$used", c.Row.Used.ToString(CultureInfo.InvariantCulture)));
                    break;
                case LedgerChange.CounterDropped d:
                    StoreSql.Run(connection, transaction, "DELETE FROM ledger_counters WHERE key = $key", ("$key", Key(d.Key)));
                    break;
                case LedgerChange.HoldOpened h:
                    StoreSql.Run(connection, transaction, "INSERT OR REPLACE INTO ledger_holds (id, hold) VALUES ($id, $hold)",
                        ("$id", h.Row.Id), ("$hold", JsonSerializer.Serialize(h.Row, EmulatorJson.Options)));
                    break;
                case LedgerChange.HoldClosed h:
                    StoreSql.Run(connection, transaction, "DELETE FROM ledger_holds WHERE id = $id", ("$id", h.Id));
                    break;
                case LedgerChange.CreditAccount a:
                    StoreSql.Run(connection, transaction, "INSERT OR REPLACE INTO credit_accounts (id, account) VALUES ($id, $a)",
                        ("$id", a.Row.Id), ("$a", JsonSerializer.Serialize(a.Row, EmulatorJson.Options)));
                    break;
                case LedgerChange.CreditTransaction t:
                    StoreSql.Run(connection, transaction, "INSERT OR REPLACE INTO credit_transactions (seq, account, txn) VALUES ($seq, $account, $t)",
                        ("$seq", t.Row.Sequence), ("$account", t.Row.Account), ("$t", JsonSerializer.Serialize(t.Row, EmulatorJson.Options)));
                    break;
                case LedgerChange.CreditTier t:
                    StoreSql.Run(connection, transaction, "INSERT OR REPLACE INTO credit_tiers (id, tier) VALUES ($id, $t)",
                        ("$id", t.Row.Id), ("$t", JsonSerializer.Serialize(t.Row, EmulatorJson.Options)));
                    break;
                case LedgerChange.Block b:
                    StoreSql.Run(connection, transaction, "INSERT OR REPLACE INTO blocklist (subject, entry) VALUES ($s, $e)",
                        ("$s", b.Entry.Subject), ("$e", JsonSerializer.Serialize(b.Entry, EmulatorJson.Options)));
                    break;
                case LedgerChange.Unblock u:
                    StoreSql.Run(connection, transaction, "DELETE FROM blocklist WHERE subject = $s", ("$s", u.Subject));
                    break;
                case LedgerChange.Reservation r:
                    StoreSql.Run(connection, transaction, "INSERT OR REPLACE INTO ledger_reservations (id, reservation) VALUES ($id, $r)",
                        ("$id", r.Row.Id), ("$r", JsonSerializer.Serialize(r.Row, EmulatorJson.Options)));
                    break;
            }
        }

        // The key's JSON is its identity in the table: the same key always serialises to the same text.
        private static string Key(CounterKey key) => JsonSerializer.Serialize(key, EmulatorJson.Options);
    }
}
