using Microsoft.Data.Sqlite;

namespace Tokenlay.Emulator.Metering.Persistence;

/// <summary>One write to the SQLite store, applied by its single writer inside the batch's transaction.</summary>
internal interface IStoreWrite
{
    void Apply(SqliteConnection connection, SqliteTransaction transaction);
}

/// <summary>The statements the journals use: an upsert and a delete by primary key.</summary>
internal static class StoreSql
{
    public static void Run(SqliteConnection connection, SqliteTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach ((string name, object value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        command.ExecuteNonQuery();
    }
}
