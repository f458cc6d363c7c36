using System.Collections.Generic;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tokenlay.Emulator.Metering.Persistence;

namespace Tokenlay.Emulator.Keys;

/// <summary>
/// Connected keys and their events in the <c>--data</c> database, written by its one writer. A key
/// is stored as it is at the time of the change (serialised when queued), its secret sealed, so
/// neither the database nor its WAL ever holds a secret in clear.
/// </summary>
internal sealed class SqliteKeyJournal : IKeyJournal
{
    private readonly SqliteCallStore _store;

    public SqliteKeyJournal(SqliteCallStore store) => _store = store;

    public (IReadOnlyList<ConnectedKey> Keys, IReadOnlyList<KeyEvent> Events) Load() => _store.Read(connection =>
    {
        var keys = new List<ConnectedKey>();
        var events = new List<KeyEvent>();
        using (SqliteCommand select = connection.CreateCommand())
        {
            select.CommandText = "SELECT record FROM connected_keys";
            using SqliteDataReader reader = select.ExecuteReader();
            while (reader.Read())
            {
                keys.Add(JsonSerializer.Deserialize<ConnectedKey>(reader.GetString(0), EmulatorJson.Options)!);
            }
        }
        using (SqliteCommand select = connection.CreateCommand())
        {
            select.CommandText = "SELECT event FROM connected_key_events ORDER BY seq";
            using SqliteDataReader reader = select.ExecuteReader();
            while (reader.Read())
            {
                events.Add(JsonSerializer.Deserialize<KeyEvent>(reader.GetString(0), EmulatorJson.Options)!);
            }
        }
        return ((IReadOnlyList<ConnectedKey>)keys, (IReadOnlyList<KeyEvent>)events);
    });

    public void Saved(ConnectedKey key) => _store.Enqueue(new UpsertKey(key.Id, JsonSerializer.Serialize(key, EmulatorJson.Options)));

    public void Appended(KeyEvent keyEvent) => _store.Enqueue(new AppendEvent(keyEvent.Sequence, keyEvent.KeyId, JsonSerializer.Serialize(keyEvent, EmulatorJson.Options)));

    private sealed record UpsertKey(string Id, string Json) : IStoreWrite
    {
        public void Apply(SqliteConnection connection, SqliteTransaction transaction) =>
            StoreSql.Run(connection, transaction, "INSERT OR REPLACE INTO connected_keys (id, record) VALUES ($id, $record)", ("$id", Id), ("$record", Json));

        public override string ToString() => $"UpsertKey {{ Id = {Id} }}";
    }

    private sealed record AppendEvent(long Sequence, string KeyId, string Json) : IStoreWrite
    {
        public void Apply(SqliteConnection connection, SqliteTransaction transaction) =>
            StoreSql.Run(connection, transaction, "INSERT OR REPLACE INTO connected_key_events (seq, key_id, event) VALUES ($seq, $key, $event)",
                ("$seq", Sequence), ("$key", KeyId), ("$event", Json));
    }
}
