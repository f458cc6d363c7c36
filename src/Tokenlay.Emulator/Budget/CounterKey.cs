using System;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Budget;

/// <summary>
/// Where one count lives: limit <see cref="Limit"/> of rule <see cref="RuleId"/>, for the value
/// <see cref="Per"/> of its <c>per</c> field (a user id, an org…), in the window that starts at
/// <see cref="WindowStart"/> of its <see cref="Window"/> (the Unix epoch for totals and
/// concurrency). A value, so keys are compared field by field and never parsed back out of a string.
/// For a rolling limit (<see cref="Rolling"/>) the key is one bucket (a second or a minute) of the
/// subject's usage, and the limit counts every bucket of the last window.
/// </summary>
internal readonly record struct CounterKey(string RuleId, int Limit, string Per, LimitWindow Window, DateTimeOffset WindowStart, bool Rolling = false)
{
    public static CounterKey For(Rule rule, int index, string per, DateTimeOffset at)
    {
        RuleLimit limit = rule.Then.Limits[index];
        if (limit.Rolling)
        {
            return new CounterKey(rule.Id, index, per, limit.WindowKind(), RollingWindows.Bucket(limit.WindowKind(), at), Rolling: true);
        }
        LimitWindow window = limit.Kind() == LimitKind.Concurrent ? LimitWindow.Total : limit.WindowKind();
        return new CounterKey(rule.Id, index, per, window, window.Start(at));
    }

    /// <summary>Whether the window has ended by <paramref name="now"/>: its count can no longer matter.</summary>
    public bool EndedBy(DateTimeOffset now) => Rolling
        ? WindowStart + RollingWindows.Span(Window) <= now
        : Window.End(WindowStart) is { } end && end <= now;

    /// <summary>The subject of a rolling key, whatever the bucket: where its totals are kept.</summary>
    public CounterKey SubjectKey() => this with { WindowStart = DateTimeOffset.UnixEpoch };

    /// <summary>The same limit and subject, whatever the window.</summary>
    public bool SameSubject(CounterKey other) => RuleId == other.RuleId && Limit == other.Limit && Per == other.Per;
}
