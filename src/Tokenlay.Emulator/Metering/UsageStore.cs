using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using Tokenlay.Emulator.Pricing;

namespace Tokenlay.Emulator.Metering;

/// <summary>
/// The call log and what hangs off it (idempotency keys, price overrides). Thread-safe; with a
/// state file it is saved shortly after each change and loaded at start, so usage survives restarts.
/// </summary>
public sealed class UsageStore : IDisposable
{
    private readonly object _gate = new();
    private readonly List<CallLogEntry> _entries = new();
    private readonly Dictionary<string, string> _succeededKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<(string User, int Year, int Month), (long Requests, long Tokens, decimal Cost)> _monthly = new();
    private readonly string? _statePath;
    private readonly Timer? _flushTimer;
    private long _sequence;
    private bool _dirty;

    /// <summary>Creates a store, loading <paramref name="statePath"/> when it exists.</summary>
    public UsageStore(string? statePath = null)
    {
        _statePath = statePath;
        if (statePath is not null)
        {
            Load(statePath);
            _flushTimer = new Timer(_ => Flush(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Prices, with this store's overrides.</summary>
    public PriceTable Prices { get; } = new();

    /// <summary>Makes the next request id and sequence number.</summary>
    public (string Id, long Sequence) NextId()
    {
        long sequence = Interlocked.Increment(ref _sequence);
        return ($"req_{sequence:x8}{Random.Shared.Next():x8}", sequence);
    }

    /// <summary>The id of the successful call that already used <paramref name="idempotencyKey"/>, if any.</summary>
    public string? SucceededWith(string? idempotencyKey)
    {
        if (idempotencyKey is null)
        {
            return null;
        }
        lock (_gate)
        {
            return _succeededKeys.GetValueOrDefault(idempotencyKey);
        }
    }

    /// <summary>Records a finished call.</summary>
    public void Add(CallLogEntry entry)
    {
        lock (_gate)
        {
            if (entry.Counts && entry.IdempotencyKey is { } key && !_succeededKeys.TryAdd(key, entry.Id))
            {
                // Two attempts with one key finished together: the later one must not count twice.
                entry.DuplicateOf = _succeededKeys[key];
            }
            int index = _entries.Count;
            while (index > 0 && _entries[index - 1].Sequence > entry.Sequence)
            {
                index--; // calls finish out of order; keep the log in arrival order for cursors
            }
            _entries.Insert(index, entry);
            CountMonthly(entry);
            _dirty = true;
        }
    }

    /// <summary>What <paramref name="user"/> has used in the calendar month (UTC) of <paramref name="now"/>.</summary>
    public (long Requests, long Tokens, decimal Cost) MonthToDate(string user, DateTimeOffset now)
    {
        lock (_gate)
        {
            return _monthly.GetValueOrDefault((user, now.UtcDateTime.Year, now.UtcDateTime.Month));
        }
    }

    private void CountMonthly(CallLogEntry entry)
    {
        if (!entry.Counts)
        {
            return;
        }
        var key = (entry.User ?? "", entry.Timestamp.UtcDateTime.Year, entry.Timestamp.UtcDateTime.Month);
        (long requests, long tokens, decimal cost) = _monthly.GetValueOrDefault(key);
        _monthly[key] = (requests + 1, tokens + entry.InputTokens + entry.OutputTokens, cost + (entry.CostUsd ?? 0));
    }

    /// <summary>A snapshot of the log in arrival order.</summary>
    public IReadOnlyList<CallLogEntry> Snapshot()
    {
        lock (_gate)
        {
            return _entries.ToArray();
        }
    }

    /// <summary>The entry with this id.</summary>
    public CallLogEntry? Find(string id)
    {
        lock (_gate)
        {
            return _entries.FirstOrDefault(e => e.Id == id);
        }
    }

    /// <summary>Marks the price overrides as changed, for saving.</summary>
    public void PricesChanged()
    {
        lock (_gate)
        {
            _dirty = true;
        }
    }

    /// <summary>Writes the state file now, if there is one and anything changed.</summary>
    public void Flush()
    {
        if (_statePath is null)
        {
            return;
        }
        string json;
        lock (_gate)
        {
            if (!_dirty)
            {
                return;
            }
            _dirty = false;
            json = JsonSerializer.Serialize(new PersistedState(_entries.ToList(), Prices.Overrides), EmulatorJson.Options);
        }
        string temp = _statePath + ".tmp";
        File.WriteAllText(temp, json);
        File.Move(temp, _statePath, overwrite: true); // atomic: a crash never leaves half a file
    }

    private void Load(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }
        PersistedState? state;
        try
        {
            state = JsonSerializer.Deserialize<PersistedState>(File.ReadAllText(path), EmulatorJson.Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The emulator state file {path} is not valid ({e.Message}); delete it or point --state elsewhere.", e);
        }
        if (state is null)
        {
            return;
        }
        foreach (CallLogEntry entry in state.Entries.OrderBy(e => e.Sequence))
        {
            _entries.Add(entry);
            CountMonthly(entry);
            if (entry.Counts && entry.IdempotencyKey is { } key)
            {
                _succeededKeys.TryAdd(key, entry.Id);
            }
        }
        _sequence = _entries.Count == 0 ? 0 : _entries.Max(e => e.Sequence);
        Prices.Merge(state.Pricing);
    }

    /// <summary>Saves and stops the flush timer.</summary>
    public void Dispose()
    {
        _flushTimer?.Dispose();
        Flush();
    }

    private sealed record PersistedState(List<CallLogEntry> Entries, Dictionary<string, Dictionary<string, ModelPrice>> Pricing);
}
