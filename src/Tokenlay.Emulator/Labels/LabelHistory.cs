using System;
using System.Collections.Generic;
using System.Linq;

namespace Tokenlay.Emulator.Labels;

/// <summary>
/// The labels each subject (<c>user:alice</c>, <c>org:acme</c>) had recently, for <c>recent_labels</c>
/// conditions and <c>POST /v1/check</c>. Bounded: per subject only the last time it had each label
/// (the label set is closed, so at most four entries; <c>safe</c> is the absence of the others and is
/// not kept), sightings older than <see cref="Retention"/> are forgotten, and at most
/// <see cref="MaxSubjects"/> subjects are kept (those seen longest ago are forgotten first). With
/// <c>--data</c> every change goes to the journal, so the history survives a restart. Thread-safe.
/// </summary>
internal sealed class LabelHistory
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Dictionary<string, DateTimeOffset>> _bySubject = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILabelJournal? _journal;

    public LabelHistory(TimeProvider time, TimeSpan retention, int maxSubjects, ILabelJournal? journal)
    {
        _time = time;
        Retention = retention;
        MaxSubjects = Math.Max(1, maxSubjects);
        _journal = journal;
        if (journal is not null)
        {
            DateTimeOffset cutoff = time.GetUtcNow() - retention;
            var expired = new HashSet<string>(StringComparer.Ordinal);
            foreach (LabelSighting s in journal.Load())
            {
                if (s.At >= cutoff && IntentLabels.IsKnown(s.Label))
                {
                    Labels(s.Subject)[s.Label] = s.At;
                }
                else
                {
                    expired.Add(s.Subject);
                }
            }
            // Subjects with nothing left to keep leave the store too, so it holds no more than the bound.
            foreach (string subject in expired.Where(s => !_bySubject.ContainsKey(s)))
            {
                journal.Forget(subject);
            }
        }
    }

    /// <summary>How long a sighting is kept: the longest <c>within</c> of the rules, and at least a day.</summary>
    public TimeSpan Retention { get; }

    /// <summary>How many subjects are kept at most.</summary>
    public int MaxSubjects { get; }

    /// <summary>Notes that each of <paramref name="subjects"/> had <paramref name="labels"/> at <paramref name="at"/>.</summary>
    public void Record(IEnumerable<string> subjects, IEnumerable<string> labels, DateTimeOffset at)
    {
        string[] kept = labels.Where(l => l != IntentLabels.Safe && IntentLabels.IsKnown(l)).ToArray();
        if (kept.Length == 0)
        {
            return;
        }
        lock (_gate)
        {
            foreach (string subject in subjects.Distinct(StringComparer.Ordinal))
            {
                Dictionary<string, DateTimeOffset> seen = Labels(subject);
                foreach (string label in kept)
                {
                    if (!seen.TryGetValue(label, out DateTimeOffset last) || last < at)
                    {
                        seen[label] = at;
                        _journal?.Seen(new LabelSighting(subject, label, at));
                    }
                }
            }
            if (_bySubject.Count > MaxSubjects)
            {
                Evict();
            }
        }
    }

    /// <summary>Whether <paramref name="subject"/> had <paramref name="label"/> within <paramref name="within"/> of now.</summary>
    public bool Had(string subject, string label, TimeSpan within)
    {
        DateTimeOffset since = _time.GetUtcNow() - within;
        lock (_gate)
        {
            return _bySubject.TryGetValue(subject, out var seen) && seen.TryGetValue(label, out DateTimeOffset at) && at > since;
        }
    }

    /// <summary>The labels <paramref name="subject"/> had within <paramref name="within"/> of now, in the label set's order.</summary>
    public IReadOnlyList<string> Recent(string subject, TimeSpan within)
    {
        DateTimeOffset since = _time.GetUtcNow() - within;
        lock (_gate)
        {
            return _bySubject.TryGetValue(subject, out var seen)
                ? IntentLabels.All.Where(l => seen.TryGetValue(l, out DateTimeOffset at) && at > since).ToArray()
                : [];
        }
    }

    /// <summary>How many subjects are kept now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _bySubject.Count;
            }
        }
    }

    private Dictionary<string, DateTimeOffset> Labels(string subject)
    {
        if (!_bySubject.TryGetValue(subject, out var seen))
        {
            _bySubject[subject] = seen = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        }
        return seen;
    }

    // In batches (a tenth over the bound), so a stream of new subjects does not sort the map on every call.
    private void Evict()
    {
        DateTimeOffset cutoff = _time.GetUtcNow() - Retention;
        var expired = _bySubject.Where(p => p.Value.Values.Max() < cutoff).Select(p => p.Key).ToList();
        int excess = _bySubject.Count - expired.Count - MaxSubjects;
        if (excess > 0)
        {
            expired.AddRange(_bySubject.Where(p => p.Value.Values.Max() >= cutoff)
                .OrderBy(p => p.Value.Values.Max()).Take(excess + MaxSubjects / 10).Select(p => p.Key));
        }
        foreach (string subject in expired)
        {
            _bySubject.Remove(subject);
            _journal?.Forget(subject);
        }
    }
}
