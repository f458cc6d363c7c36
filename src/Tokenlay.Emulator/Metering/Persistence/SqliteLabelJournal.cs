using System;
using System.Collections.Generic;
using Microsoft.Data.Sqlite;
using Tokenlay.Emulator.Labels;

namespace Tokenlay.Emulator.Metering.Persistence;

/// <summary>
/// The label history (<see cref="LabelHistory"/>) in the <c>--data</c> database: one row per subject
/// and label with the last time it was seen, written by the store's one writer.
/// </summary>
internal sealed class SqliteLabelJournal : ILabelJournal
{
    private readonly SqliteCallStore _store;

    public SqliteLabelJournal(SqliteCallStore store) => _store = store;

    public IReadOnlyList<LabelSighting> Load() => _store.Read(connection =>
    {
        using SqliteCommand select = connection.CreateCommand();
        select.CommandText = "SELECT subject, label, seen FROM label_history";
        using SqliteDataReader reader = select.ExecuteReader();
        var rows = new List<LabelSighting>();
        while (reader.Read())
        {
            rows.Add(new LabelSighting(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }
        return rows;
    });

    public void Seen(LabelSighting sighting) => _store.Enqueue(new Upsert(sighting));

    public void Forget(string subject) => _store.Enqueue(new Delete(subject));

    private sealed record Upsert(LabelSighting Sighting) : IStoreWrite
    {
        public void Apply(SqliteConnection connection, SqliteTransaction transaction) =>
            StoreSql.Run(connection, transaction, "INSERT OR REPLACE INTO label_history (subject, label, seen) VALUES ($subject, $label, $seen)",
                ("$subject", Sighting.Subject), ("$label", Sighting.Label), ("$seen", Sighting.At.ToUnixTimeMilliseconds()));
    }

    private sealed record Delete(string Subject) : IStoreWrite
    {
        public void Apply(SqliteConnection connection, SqliteTransaction transaction) =>
            StoreSql.Run(connection, transaction, "DELETE FROM label_history WHERE subject = $subject", ("$subject", Subject));
    }
}
