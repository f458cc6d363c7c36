using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Tokenlay.Emulator.Pricing;

namespace Tokenlay.Emulator.Metering.Persistence;

/// <summary>
/// <c>--data</c>: every call in an embedded SQLite database (WAL mode), written by one background
/// writer in batches (one transaction per batch), so a call never waits for the disk. The ledger
/// (<see cref="SqliteLedgerJournal"/>) and idempotency keys (<see cref="SqliteIdempotencyJournal"/>)
/// are written by the same writer, in the same order as they happened. Calls older than
/// <c>--retain-days</c> are deleted at start and hourly. One emulator per file: a second one is
/// refused at start (a lock file beside the database). A database that cannot be opened or is not
/// a database stops the start; a failed write is retried and reported on <c>/v1/health</c>.
/// </summary>
internal sealed class SqliteCallStore : ICallPersistence
{
    private const int BatchSize = 512;
    private const int MaxPending = 200_000;

    private readonly string _path;
    private readonly int _retainDays;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    /// <summary>The schema this build writes (<c>PRAGMA user_version</c>): 1 calls and pricing, 2 the ledger (limits, holds, reservations, credits) and idempotency keys.</summary>
    public const int SchemaVersion = 2;

    private readonly SqliteConnection _connection;
    private readonly object _connectionGate = new(); // the writer and the loads at start share one connection
    private readonly FileStream _lock;
    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<object> _retry = new();
    private Task? _writer;
    private DateTimeOffset _lastPrune;
    private volatile string? _problem;
    private long _dropped;

    public SqliteCallStore(string path, int retainDays, TimeProvider time, ILogger logger)
    {
        _path = Path.GetFullPath(path);
        _retainDays = Math.Max(1, retainDays);
        _time = time;
        _logger = logger;
        string? directory = Path.GetDirectoryName(_path);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new EmulatorStoreException($"{_path}: the directory {directory} does not exist; create it or point --data elsewhere.");
        }
        string lockPath = _path + ".lock";
        try
        {
            // FileShare.None takes an exclusive lock the OS releases when the process ends, crash or not.
            _lock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new EmulatorStoreException($"{_path} is in use by another emulator (it holds {lockPath}); stop that one or point --data elsewhere.");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new EmulatorStoreException($"{_path}: cannot create the lock file {lockPath} ({e.Message}).", e);
        }
        try
        {
            _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
            _connection.Open();
            // secure_delete: a rotated or revoked key's sealed secret is overwritten on disk, not left in a free page.
            Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA secure_delete=ON;");
            long version = Scalar("PRAGMA user_version") is long v ? v : 0;
            if (version > SchemaVersion)
            {
                throw new EmulatorStoreException($"{_path} was written by a newer emulator (schema {version}; this one knows {SchemaVersion}); upgrade the emulator or point --data elsewhere.");
            }
            Execute("""
                CREATE TABLE IF NOT EXISTS calls (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, ts INTEGER NOT NULL, entry TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS calls_ts ON calls(ts);
                CREATE TABLE IF NOT EXISTS pricing (id INTEGER PRIMARY KEY CHECK (id = 1), overrides TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS ledger_counters (key TEXT PRIMARY KEY, used TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS ledger_holds (id TEXT PRIMARY KEY, hold TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS ledger_reservations (id TEXT PRIMARY KEY, reservation TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS credit_accounts (id TEXT PRIMARY KEY, account TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS credit_transactions (seq INTEGER PRIMARY KEY, account TEXT NOT NULL, txn TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS credit_tiers (id TEXT PRIMARY KEY, tier TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS blocklist (subject TEXT PRIMARY KEY, entry TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS idempotency (scope TEXT NOT NULL, key TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (scope, key));
                CREATE TABLE IF NOT EXISTS connected_keys (id TEXT PRIMARY KEY, record TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS connected_key_events (seq INTEGER PRIMARY KEY, key_id TEXT NOT NULL, event TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS label_history (subject TEXT NOT NULL, label TEXT NOT NULL, seen INTEGER NOT NULL, PRIMARY KEY (subject, label));
                """);
            Execute($"PRAGMA user_version = {SchemaVersion};");
        }
        catch (SqliteException e)
        {
            _lock.Dispose();
            throw new EmulatorStoreException($"{_path}: cannot open the emulator database ({e.Message.TrimEnd('.')}); delete it or point --data elsewhere.", e);
        }
        catch
        {
            _lock.Dispose();
            throw;
        }
    }

    public string? Problem => _problem;

    public PersistedState Load()
    {
        try
        {
            Prune();
            var entries = new List<CallLogEntry>();
            long last = 0;
            using (SqliteCommand select = _connection.CreateCommand())
            {
                select.CommandText = "SELECT seq, entry FROM calls ORDER BY seq";
                using SqliteDataReader reader = select.ExecuteReader();
                while (reader.Read())
                {
                    last = reader.GetInt64(0);
                    if (JsonSerializer.Deserialize<CallLogEntry>(reader.GetString(1), EmulatorJson.Options) is { } entry)
                    {
                        entries.Add(entry);
                    }
                }
            }
            var pricing = new Dictionary<string, Dictionary<string, ModelPrice>>(StringComparer.OrdinalIgnoreCase);
            using (SqliteCommand prices = _connection.CreateCommand())
            {
                prices.CommandText = "SELECT overrides FROM pricing WHERE id = 1";
                if (prices.ExecuteScalar() is string json)
                {
                    pricing = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, ModelPrice>>>(json, EmulatorJson.Options) ?? pricing;
                }
            }
            return new PersistedState(entries, [], pricing, last);
        }
        catch (Exception e) when (e is SqliteException or JsonException)
        {
            throw new EmulatorStoreException($"{_path}: the emulator database is corrupt ({e.Message.TrimEnd('.')}); delete it or point --data elsewhere.", e);
        }
    }

    public void Start(Func<PersistedState> capture) => _writer = Task.Run(WriteLoopAsync);

    public void Write(CallLogEntry entry) => _queue.Writer.TryWrite(entry);

    /// <summary>Queues a write of another part of the state (the ledger, idempotency keys), in order with the calls.</summary>
    public void Enqueue(IStoreWrite write) => _queue.Writer.TryWrite(write);

    /// <summary>Completes when everything queued so far is committed (or its batch failed and is being retried).</summary>
    public Task WhenWrittenAsync()
    {
        if (_writer is null || _writer.IsCompleted)
        {
            return Task.CompletedTask;
        }
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _queue.Writer.TryWrite(done) ? done.Task : Task.CompletedTask;
    }

    /// <summary>
    /// The calls kept in the database in a time range, oldest first, read on a connection of their
    /// own (WAL lets it read beside the writer) one row at a time, so an export of any size takes no memory.
    /// </summary>
    public IEnumerable<CallLogEntry> ReadCalls(DateTimeOffset? since, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using SqliteCommand select = connection.CreateCommand();
        select.CommandText = "SELECT entry FROM calls WHERE ts >= $since AND ts < $until ORDER BY seq";
        select.Parameters.AddWithValue("$since", since?.ToUnixTimeMilliseconds() ?? long.MinValue);
        select.Parameters.AddWithValue("$until", until?.ToUnixTimeMilliseconds() ?? long.MaxValue);
        using SqliteDataReader reader = select.ExecuteReader();
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (JsonSerializer.Deserialize<CallLogEntry>(reader.GetString(0), EmulatorJson.Options) is { } entry)
            {
                yield return entry;
            }
        }
    }

    /// <summary>Runs a read on the store's connection; only before the writer starts (at load).</summary>
    public T Read<T>(Func<SqliteConnection, T> read)
    {
        try
        {
            lock (_connectionGate)
            {
                return read(_connection);
            }
        }
        catch (Exception e) when (e is SqliteException or JsonException)
        {
            throw new EmulatorStoreException($"{_path}: the emulator database is corrupt ({e.Message.TrimEnd('.')}); delete it or point --data elsewhere.", e);
        }
    }

    public void WritePrices(Dictionary<string, Dictionary<string, ModelPrice>> overrides) =>
        _queue.Writer.TryWrite(new PriceOverrides(JsonSerializer.Serialize(overrides, EmulatorJson.Options)));

    public void Flush() => WhenWrittenAsync().Wait(TimeSpan.FromSeconds(10));

    private async Task WriteLoopAsync()
    {
        var batch = new List<object>(BatchSize);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            batch.AddRange(_retry);
            _retry.Clear();
            var flushed = new List<TaskCompletionSource>();
            while (batch.Count < BatchSize && _queue.Reader.TryRead(out object? item))
            {
                if (item is TaskCompletionSource marker)
                {
                    flushed.Add(marker);
                }
                else
                {
                    batch.Add(item);
                }
            }
            if (!WriteBatch(batch))
            {
                Keep(batch);
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
            foreach (TaskCompletionSource marker in flushed)
            {
                marker.TrySetResult();
            }
            if (_time.GetUtcNow() - _lastPrune > TimeSpan.FromHours(1))
            {
                TryPrune();
            }
        }
    }

    private bool WriteBatch(List<object> batch)
    {
        if (batch.Count == 0)
        {
            return true;
        }
        try
        {
            lock (_connectionGate)
            {
                WriteBatchUnlocked(batch);
            }
            if (_problem is not null)
            {
                _logger.LogWarning("Writing to {Path} works again.", _path);
            }
            _problem = null;
            return true;
        }
        catch (Exception e)
        {
            // Whatever failed (the disk, or a row that cannot be written), the writer lives on: the batch is
            // retried, /v1/health says so, and nobody waiting for durability waits forever.
            if (_problem is null)
            {
                _logger.LogError("Cannot write to {Path}: {Message}. Calls are still served; writes are retried.", _path, e.Message);
            }
            _problem = $"cannot write {_path}: {e.Message}";
            return false;
        }
    }

    private void WriteBatchUnlocked(List<object> batch)
    {
        {
            using SqliteTransaction transaction = _connection.BeginTransaction();
            using SqliteCommand insert = _connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT OR REPLACE INTO calls (seq, id, ts, entry) VALUES ($seq, $id, $ts, $entry)";
            SqliteParameter seq = insert.Parameters.Add("$seq", SqliteType.Integer);
            SqliteParameter id = insert.Parameters.Add("$id", SqliteType.Text);
            SqliteParameter ts = insert.Parameters.Add("$ts", SqliteType.Integer);
            SqliteParameter json = insert.Parameters.Add("$entry", SqliteType.Text);
            foreach (object item in batch)
            {
                if (item is CallLogEntry entry)
                {
                    seq.Value = entry.Sequence;
                    id.Value = entry.Id;
                    ts.Value = entry.Timestamp.ToUnixTimeMilliseconds();
                    json.Value = JsonSerializer.Serialize(entry, EmulatorJson.Options);
                    insert.ExecuteNonQuery();
                }
                else if (item is IStoreWrite write)
                {
                    write.Apply(_connection, transaction);
                }
                else if (item is PriceOverrides prices)
                {
                    using SqliteCommand upsert = _connection.CreateCommand();
                    upsert.Transaction = transaction;
                    upsert.CommandText = "INSERT OR REPLACE INTO pricing (id, overrides) VALUES (1, $overrides)";
                    upsert.Parameters.AddWithValue("$overrides", prices.Json);
                    upsert.ExecuteNonQuery();
                }
            }
            transaction.Commit();
        }
    }

    // A failed batch is retried; beyond MaxPending the oldest calls are given up (and counted), so memory stays bounded.
    private void Keep(List<object> batch)
    {
        _retry.AddRange(batch);
        int excess = _retry.Count - MaxPending;
        if (excess > 0)
        {
            _retry.RemoveRange(0, excess);
            _dropped += excess;
            _problem = $"cannot write {_path}; {_dropped} calls could not be kept on disk";
        }
    }

    private void TryPrune()
    {
        try
        {
            Prune();
        }
        catch (SqliteException e)
        {
            _logger.LogWarning("Cannot delete old calls from {Path}: {Message}", _path, e.Message);
        }
    }

    private void Prune()
    {
        _lastPrune = _time.GetUtcNow();
        using SqliteCommand delete = _connection.CreateCommand();
        delete.CommandText = "DELETE FROM calls WHERE ts < $cutoff";
        delete.Parameters.AddWithValue("$cutoff", (_lastPrune - TimeSpan.FromDays(_retainDays)).ToUnixTimeMilliseconds());
        delete.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private void Execute(string sql)
    {
        using SqliteCommand command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        Flush();
        _queue.Writer.TryComplete();
        _writer?.Wait(TimeSpan.FromSeconds(10));
        _connection.Dispose();
        _lock.Dispose();
    }

    private sealed record PriceOverrides(string Json);
}
