using System;
using System.Collections.Generic;
using System.Linq;
using Tokenlay.Emulator.Budget.Journal;

namespace Tokenlay.Emulator.Budget;

/// <summary>A blocked subject (<c>per:key</c>, such as <c>user:alice</c>), until <see cref="Until"/> or until removed.</summary>
internal sealed record BlockEntry(string Subject, string? Reason, DateTimeOffset? Until, DateTimeOffset CreatedAt, string? RuleId = null);

/// <summary>
/// Subjects refused before anything else, whatever the rules say: set by hand (<c>/v1/blocklist</c>)
/// or by a rule's <c>on_limit_exceeded.block_for</c>. An entry ends at <c>until</c> on the emulator's
/// clock. Owned by the <see cref="Ledger"/> and used under its lock, so a block set by one call's
/// limit refuses the very next call; journaled, so it survives a restart.
/// </summary>
internal sealed class Blocklist
{
    private readonly SortedDictionary<string, BlockEntry> _entries = new(StringComparer.Ordinal);
    private readonly Action<LedgerChange>? _journal;

    public Blocklist(Action<LedgerChange>? journal) => _journal = journal;

    public void Restore(IEnumerable<BlockEntry> entries)
    {
        foreach (BlockEntry entry in entries)
        {
            _entries[entry.Subject] = entry;
        }
    }

    public BlockEntry Add(BlockEntry entry)
    {
        // A longer block is never shortened by a rule's shorter one; a block set by hand always wins.
        if (entry.RuleId is not null && _entries.TryGetValue(entry.Subject, out BlockEntry? existing)
            && (existing.Until is null || (entry.Until is { } until && existing.Until >= until)))
        {
            return existing;
        }
        _entries[entry.Subject] = entry;
        _journal?.Invoke(new LedgerChange.Block(entry));
        return entry;
    }

    public bool Remove(string subject)
    {
        if (!_entries.Remove(subject))
        {
            return false;
        }
        _journal?.Invoke(new LedgerChange.Unblock(subject));
        return true;
    }

    /// <summary>The active entry blocking a call with this context (any field: <c>user:alice</c>, <c>org:acme</c>, <c>plan:free</c>), if any.</summary>
    public BlockEntry? Match(IReadOnlyDictionary<string, object?> context, DateTimeOffset now)
    {
        if (_entries.Count == 0)
        {
            return null;
        }
        foreach ((string field, object? value) in context)
        {
            if (value is string text && _entries.TryGetValue(field + ":" + text, out BlockEntry? entry))
            {
                if (entry.Until is { } until && until <= now)
                {
                    Remove(entry.Subject);
                    continue;
                }
                return entry;
            }
        }
        return null;
    }

    /// <summary>Active entries in subject order, after <paramref name="after"/> (a cursor), optionally only <paramref name="subject"/>.</summary>
    public List<BlockEntry> List(string? subject, string? after, int limit, DateTimeOffset now)
    {
        foreach (BlockEntry expired in _entries.Values.Where(e => e.Until is { } until && until <= now).ToList())
        {
            Remove(expired.Subject);
        }
        return _entries.Values
            .Where(e => (subject is null || e.Subject == subject) && (after is null || string.CompareOrdinal(e.Subject, after) > 0))
            .Take(limit)
            .ToList();
    }
}
