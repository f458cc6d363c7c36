using System.Collections.Generic;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tokenlay.Emulator.Idempotency;

namespace Tokenlay.Emulator.Metering.Persistence;

/// <summary>Answered idempotency keys in the <c>--data</c> database, so a retry after a restart is still answered, not run again.</summary>
internal sealed class SqliteIdempotencyJournal : IIdempotencyJournal
{
    private readonly SqliteCallStore _store;

    public SqliteIdempotencyJournal(SqliteCallStore store) => _store = store;

    public IReadOnlyList<KeptAnswer> Load(string scope) => _store.Read(connection =>
    {
        using SqliteCommand select = connection.CreateCommand();
        select.CommandText = "SELECT record FROM idempotency WHERE scope = $scope";
        select.Parameters.AddWithValue("$scope", scope);
        using SqliteDataReader reader = select.ExecuteReader();
        var answers = new List<KeptAnswer>();
        while (reader.Read())
        {
            answers.Add(JsonSerializer.Deserialize<KeptAnswer>(reader.GetString(0), EmulatorJson.Options)!);
        }
        return answers;
    });

    public void Kept(string scope, KeptAnswer answer) => _store.Enqueue(new Upsert(scope, answer.Key, JsonSerializer.Serialize(answer, EmulatorJson.Options)));

    public void Freed(string scope, string key) => _store.Enqueue(new Delete(scope, key));

    private sealed record Upsert(string Scope, string Key, string Json) : IStoreWrite
    {
        public void Apply(SqliteConnection connection, SqliteTransaction transaction) =>
            StoreSql.Run(connection, transaction, "INSERT OR REPLACE INTO idempotency (scope, key, record) VALUES ($scope, $key, $record)",
                ("$scope", Scope), ("$key", Key), ("$record", Json));
    }

    private sealed record Delete(string Scope, string Key) : IStoreWrite
    {
        public void Apply(SqliteConnection connection, SqliteTransaction transaction) =>
            StoreSql.Run(connection, transaction, "DELETE FROM idempotency WHERE scope = $scope AND key = $key", ("$scope", Scope), ("$key", Key));
    }
}
