using Microsoft.Extensions.Time.Testing;
using Tokenlay.Emulator.Labels;

namespace Tokenlay.Emulator.Tests.Labels;

/// <summary>The bounded store of recent labels per subject, on a fake clock.</summary>
public class LabelHistoryTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);

    private sealed class Journal : ILabelJournal
    {
        public List<LabelSighting> Rows { get; } = [];
        public List<string> Forgotten { get; } = [];
        public IReadOnlyList<LabelSighting> Load() => Rows.ToList();
        public void Seen(LabelSighting sighting) => Rows.Add(sighting);
        public void Forget(string subject) => Forgotten.Add(subject);
    }

    [Fact]
    public void A_label_is_had_within_the_window_and_not_after_it()
    {
        var clock = new FakeTimeProvider(Start);
        var history = new LabelHistory(clock, TimeSpan.FromDays(1), 100, null);

        history.Record(["user:alice"], ["tos_breach", "safe"], clock.GetUtcNow());
        clock.Advance(TimeSpan.FromHours(2));

        Assert.True(history.Had("user:alice", "tos_breach", TimeSpan.FromHours(3)));
        Assert.False(history.Had("user:alice", "tos_breach", TimeSpan.FromHours(2)));
        Assert.False(history.Had("user:alice", "safe", TimeSpan.FromHours(3))); // safe is the absence of labels: never kept
        Assert.False(history.Had("user:bob", "tos_breach", TimeSpan.FromHours(3)));
        Assert.Equal(["tos_breach"], history.Recent("user:alice", TimeSpan.FromDays(1)));
    }

    [Fact]
    public void At_most_max_subjects_are_kept_and_those_seen_longest_ago_go_first()
    {
        var clock = new FakeTimeProvider(Start);
        var journal = new Journal();
        var history = new LabelHistory(clock, TimeSpan.FromDays(1), 10, journal);

        for (int i = 0; i < 1000; i++)
        {
            history.Record([$"user:u{i}"], ["jailbreak"], clock.GetUtcNow());
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.InRange(history.Count, 1, 10);
        Assert.True(history.Had("user:u999", "jailbreak", TimeSpan.FromDays(1)));
        Assert.False(history.Had("user:u0", "jailbreak", TimeSpan.FromDays(1)));
        Assert.Contains("user:u0", journal.Forgotten); // and out of the store, too
    }

    [Fact]
    public void What_a_restart_loads_is_what_is_still_within_the_retention()
    {
        var clock = new FakeTimeProvider(Start);
        var journal = new Journal();
        journal.Rows.Add(new LabelSighting("user:old", "win", Start - TimeSpan.FromDays(3)));
        journal.Rows.Add(new LabelSighting("user:new", "frustration", Start - TimeSpan.FromHours(1)));

        var history = new LabelHistory(clock, TimeSpan.FromDays(1), 100, journal);

        Assert.Equal(1, history.Count);
        Assert.Equal(["frustration"], history.Recent("user:new", TimeSpan.FromDays(1)));
        Assert.Equal(["user:old"], journal.Forgotten);
    }

    [Fact]
    public void The_retention_is_the_longest_within_of_the_rules_and_at_least_a_day()
    {
        Assert.Equal(TimeSpan.FromDays(1), LabelConditions.Retention([]));
        Assert.Equal(TimeSpan.FromDays(7), LabelConditions.Retention(Rules.RuleSet.Parse("""
            [{ "id": "a", "if": { "not": { "recent_labels": { "contains": "win", "within": "7d" } } }, "then": {} },
             { "id": "b", "if": { "recent_labels": { "contains": "win", "within": "30m", "per": "org" } }, "then": {} }]
            """)));
        Assert.Equal(["org", "user"], LabelConditions.PerFields(Rules.RuleSet.Parse("""
            [{ "id": "b", "if": { "or": [ { "recent_labels": { "contains": "win", "per": "org" } } ] }, "then": {} }]
            """)));
    }
}
