using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Tokenlay.Emulator.Metering.Persistence;
using Tokenlay.Emulator.Pricing;

namespace Tokenlay.Emulator.Metering;

/// <summary>
/// The call log and the usage totals. Memory stays bounded: the log keeps the most recent
/// <see cref="TokenlayEmulatorOptions.MaxLogEntries"/> calls for <c>/v1/logs</c>, and older calls
/// are folded into per-minute sums, so <c>/v1/usage</c> stays exact however many entries are
/// dropped. With <c>--data</c> (or <c>--state</c>) every call is also written to disk, off the
/// request path. Thread-safe.
/// </summary>
public sealed class UsageStore : IDisposable
{
    private readonly object _gate = new();
    private readonly List<CallLogEntry> _entries = new();
    private readonly Dictionary<string, CallLogEntry> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<UsageKey, UsageSums> _folded = new();
    private readonly Dictionary<(string User, int Year, int Month), (long Requests, long Tokens, decimal Cost)> _monthly = new();
    private readonly int _maxEntries;
    private readonly ICallPersistence? _persistence;
    private long _sequence;

    /// <summary>Creates an in-memory store keeping at most <paramref name="maxEntries"/> log entries.</summary>
    public UsageStore(int maxEntries = 100_000)
        : this(maxEntries, null)
    {
    }

    internal UsageStore(int maxEntries, ICallPersistence? persistence)
    {
        _maxEntries = Math.Max(1, maxEntries);
        _persistence = persistence;
        if (persistence is not null)
        {
            PersistedState state = persistence.Load();
            foreach (CallLogEntry entry in state.Entries.OrderBy(e => e.Sequence))
            {
                AddUnlocked(entry);
            }
            foreach ((UsageKey key, UsageSums sums) in state.Folded)
            {
                Fold(key, sums);
            }
            _sequence = Math.Max(state.LastSequence, _entries.Count == 0 ? 0 : _entries.Max(e => e.Sequence));
            Prices.Merge(state.Pricing);
            persistence.Start(Capture);
        }
    }

    /// <summary>Prices, with this store's overrides.</summary>
    public PriceTable Prices { get; } = new();

    /// <summary>Whether writing to disk failed since the last successful write; <c>/v1/health</c> reports it.</summary>
    public string? PersistenceProblem => _persistence?.Problem;

    /// <summary>Makes the next request id and sequence number.</summary>
    public (string Id, long Sequence) NextId()
    {
        long sequence = Interlocked.Increment(ref _sequence);
        return ($"req_{sequence:x8}{Random.Shared.Next():x8}", sequence);
    }

    /// <summary>Records a finished call.</summary>
    public void Add(CallLogEntry entry)
    {
        lock (_gate)
        {
            AddUnlocked(entry);
        }
        _persistence?.Write(entry);
    }

    private void AddUnlocked(CallLogEntry entry)
    {
        int index = _entries.Count;
        while (index > 0 && _entries[index - 1].Sequence > entry.Sequence)
        {
            index--; // calls finish out of order; keep the log in arrival order for cursors
        }
        _entries.Insert(index, entry);
        _byId[entry.Id] = entry;
        if (entry.Counted)
        {
            var key = (entry.User ?? "", entry.Timestamp.UtcDateTime.Year, entry.Timestamp.UtcDateTime.Month);
            (long requests, long tokens, decimal cost) = _monthly.GetValueOrDefault(key);
            _monthly[key] = (requests + 1, tokens + entry.InputTokens + entry.OutputTokens, cost + (entry.CostUsd ?? 0));
        }
        // Evict in batches, so the cost of shifting the list is spread over many calls.
        int excess = _entries.Count - _maxEntries;
        if (excess > 0 && (excess >= 1024 || excess * 16 >= _maxEntries))
        {
            foreach (CallLogEntry old in _entries.Take(excess))
            {
                _byId.Remove(old.Id);
                Fold(UsageKey.Of(old).ToMinute(), UsageSums.Of(old));
            }
            _entries.RemoveRange(0, excess);
        }
    }

    private void Fold(UsageKey key, UsageSums sums)
    {
        if (_folded.TryGetValue(key, out UsageSums? existing))
        {
            existing.Add(sums);
        }
        else
        {
            _folded[key] = sums;
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

    /// <summary>A snapshot of the log (the most recent entries) in arrival order.</summary>
    public IReadOnlyList<CallLogEntry> Snapshot()
    {
        lock (_gate)
        {
            return _entries.ToArray();
        }
    }

    /// <summary>Usage over every call ever recorded (log entries and folded older calls) that <paramref name="match"/> accepts.</summary>
    internal UsageReport Report(Func<UsageKey, bool> match, DateTimeOffset? since, DateTimeOffset? until, int limit = UsageReport.DefaultBreakdownLimit) =>
        UsageReport.Build(Rows(match), since, until, limit);

    /// <summary>Every usage row (log entries, and calls folded into minutes) that <paramref name="match"/> accepts.</summary>
    internal List<(UsageKey Key, UsageSums Sums)> Rows(Func<UsageKey, bool> match)
    {
        List<(UsageKey, UsageSums)> rows;
        lock (_gate)
        {
            rows = new List<(UsageKey, UsageSums)>(_entries.Count + _folded.Count);
            foreach (CallLogEntry entry in _entries)
            {
                UsageKey key = UsageKey.Of(entry);
                if (match(key))
                {
                    rows.Add((key, UsageSums.Of(entry)));
                }
            }
            foreach ((UsageKey key, UsageSums sums) in _folded)
            {
                if (match(key))
                {
                    var copy = new UsageSums();
                    copy.Add(sums);
                    rows.Add((key, copy));
                }
            }
        }
        return rows;
    }

    /// <summary>
    /// Every call <paramref name="match"/> accepts, oldest first, for an export: from the <c>--data</c>
    /// database when there is one (every call it keeps, streamed, whatever their number), else the log.
    /// </summary>
    internal async IAsyncEnumerable<CallLogEntry> ExportAsync(Func<CallLogEntry, bool> match, DateTimeOffset? since, DateTimeOffset? until,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (_persistence is SqliteCallStore sqlite)
        {
            await sqlite.WhenWrittenAsync().WaitAsync(cancellationToken);
            foreach (CallLogEntry entry in sqlite.ReadCalls(since, until, cancellationToken))
            {
                if (match(entry))
                {
                    yield return entry;
                }
            }
            yield break;
        }
        foreach (CallLogEntry entry in Snapshot())
        {
            if ((since is null || entry.Timestamp >= since) && (until is null || entry.Timestamp < until) && match(entry))
            {
                yield return entry;
            }
        }
    }

    /// <summary>The entry with this id, while it is in the log.</summary>
    public CallLogEntry? Find(string id)
    {
        lock (_gate)
        {
            return _byId.GetValueOrDefault(id);
        }
    }

    /// <summary>Writes an entry again after a change made once it was recorded (its reply's labels).</summary>
    internal void Changed(CallLogEntry entry) => _persistence?.Write(entry);

    /// <summary>Marks the price overrides as changed, for saving.</summary>
    public void PricesChanged() => _persistence?.WritePrices(Prices.Overrides);

    /// <summary>Writes everything pending to disk now.</summary>
    public void Flush() => _persistence?.Flush();

    private PersistedState Capture()
    {
        lock (_gate)
        {
            return new PersistedState(_entries.ToList(), _folded.Select(p => (p.Key, p.Value)).ToList(), Prices.Overrides, _sequence);
        }
    }

    /// <summary>Writes what is pending and closes the store.</summary>
    public void Dispose()
    {
        Flush();
        _persistence?.Dispose();
    }
}
