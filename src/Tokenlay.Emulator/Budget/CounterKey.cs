using System;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Budget;

/// <summary>
/// Where one count lives: limit <see cref="Limit"/> of rule <see cref="RuleId"/>, for the value
/// <see cref="Per"/> of its <c>per</c> field (a user id, an org…), in the window that starts at
/// <see cref="WindowStart"/> of its <see cref="Window"/> (the Unix epoch for totals and
/// concurrency). A value, so keys are compared field by field and never parsed back out of a string.
/// </summary>
internal readonly record struct CounterKey(string RuleId, int Limit, string Per, LimitWindow Window, DateTimeOffset WindowStart)
{
    public static CounterKey For(Rule rule, int index, string per, DateTimeOffset at)
    {
        RuleLimit limit = rule.Then.Limits[index];
        LimitWindow window = limit.Kind() == LimitKind.Concurrent ? LimitWindow.Total : limit.WindowKind();
        return new CounterKey(rule.Id, index, per, window, window.Start(at));
    }

    /// <summary>Whether the window has ended by <paramref name="now"/>: its count can no longer matter.</summary>
    public bool EndedBy(DateTimeOffset now) => Window.End(WindowStart) is { } end && end <= now;

    /// <summary>The same limit and subject, whatever the window.</summary>
    public bool SameSubject(CounterKey other) => RuleId == other.RuleId && Limit == other.Limit && Per == other.Per;
}
