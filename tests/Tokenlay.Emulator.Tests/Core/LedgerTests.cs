using Microsoft.Extensions.Time.Testing;
using Tokenlay.Emulator.Budget;
using Tokenlay.Emulator.Pricing;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Tests.Core;

/// <summary>The ledger alone, on a fake clock: no Kestrel, no HTTP.</summary>
public sealed class LedgerTests
{
    private static readonly FakeTimeProvider s_noon = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    private static Rule Rule(string limits) => RuleSet.Parse($$"""[{ "id": "r", "if": {}, "then": { "limits": [ {{limits}} ] } }]""")[0];

    private static Dictionary<string, object?> User(string user) => new() { ["user"] = user };

    private static CallEstimate Capped(long input, long output) => new(input, output, false, 0, 1, null);

    [Fact]
    public void Concurrent_admissions_never_hold_past_a_token_limit()
    {
        var ledger = new Ledger(new FakeTimeProvider(s_noon.GetUtcNow()));
        Rule rule = Rule("""{ "type": "tokens", "max": 1000, "window": "day", "per": "user" }""");

        Hold[] holds = Enumerable.Range(0, 200).AsParallel().Select(_ => ledger.Admit(rule, User("a"), "gpt-4o-mini", Capped(10, 90), false, null)).ToArray();

        Assert.Equal(10, holds.Count(h => h.Counted));
        Assert.Equal(190, holds.Count(h => h.Exceeded is not null));
    }

    [Fact]
    public void A_flexible_call_is_given_what_is_left_and_refused_below_its_minimum()
    {
        var ledger = new Ledger(new FakeTimeProvider(s_noon.GetUtcNow()));
        Rule rule = Rule("""{ "type": "tokens", "max": 1000, "window": "day", "per": "user" }""");
        var flexible = new CallEstimate(100, 4096, true, 256, 1, null);

        Hold first = ledger.Admit(rule, User("a"), "gpt-4o-mini", flexible, false, null);
        Hold second = ledger.Admit(rule, User("a"), "gpt-4o-mini", flexible, false, null);

        Assert.Equal(900, first.OutputTokens);
        Assert.False(second.Counted);
        ledger.Settle(first, 100, 200, null, consumed: true);
        Hold third = ledger.Admit(rule, User("a"), "gpt-4o-mini", flexible, false, null);
        Assert.Equal(600, third.OutputTokens);
    }

    [Fact]
    public void A_flexible_call_under_a_cost_limit_is_capped_by_the_price()
    {
        var ledger = new Ledger(new FakeTimeProvider(s_noon.GetUtcNow()));
        Rule rule = Rule("""{ "type": "cost", "max": 0.001, "window": "day", "per": "user" }""");
        var price = new ModelPrice(0, 1); // $1 per 1M output tokens: $0.001 buys 1,000

        Hold hold = ledger.Admit(rule, User("a"), "m", new CallEstimate(10, 4096, true, 256, 2, price), false, null);

        Assert.Equal(1000, hold.OutputTokens);
        Assert.True(hold.Estimate.CostUsd <= 0.001m);
    }

    [Fact]
    public void Counters_of_ended_windows_are_pruned()
    {
        var clock = new FakeTimeProvider(s_noon.GetUtcNow());
        var ledger = new Ledger(clock);
        Rule rule = Rule("""{ "type": "requests", "max": 5, "window": "minute", "per": "user" }""");
        for (int i = 0; i < 1000; i++)
        {
            ledger.Settle(ledger.Admit(rule, User("u" + i), "gpt-4o-mini", Capped(1, 1), false, null), 1, 1, null, true);
        }
        Assert.Equal(1000, ledger.CounterCount);

        clock.Advance(TimeSpan.FromMinutes(2));
        ledger.Settle(ledger.Admit(rule, User("late"), "gpt-4o-mini", Capped(1, 1), false, null), 1, 1, null, true);

        Assert.Equal(1, ledger.CounterCount);
    }

    [Fact]
    public async Task A_settle_wakes_a_waiter_at_once()
    {
        var ledger = new Ledger(new FakeTimeProvider(s_noon.GetUtcNow()));
        Rule rule = Rule("""{ "type": "concurrent", "max": 1, "per": "user" }""");
        Hold running = ledger.Admit(rule, User("a"), "gpt-4o-mini", Capped(1, 1), false, null);
        Task changed = ledger.ChangedAsync();
        Assert.False(changed.IsCompleted);

        ledger.Settle(running, 1, 1, null, true);

        await changed.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(ledger.Admit(rule, User("a"), "gpt-4o-mini", Capped(1, 1), false, null).Counted);
    }

    [Fact]
    public void A_reservation_lends_only_to_its_own_subject_and_never_a_request()
    {
        var ledger = new Ledger(new FakeTimeProvider(s_noon.GetUtcNow()));
        Rule rule = Rule("""
            { "type": "tokens", "max": 1000, "window": "day", "per": "user" },
            { "type": "requests", "max": 1, "window": "day", "per": "user" }
            """);
        (Reservation? reservation, _, _) = ledger.Reserve(rule, User("a"), new Dictionary<string, string> { ["user"] = "a" }, "gpt-4o-mini", new UsageEstimate(900, null), TimeSpan.FromMinutes(5));

        Hold other = ledger.Admit(rule, User("b"), "gpt-4o-mini", Capped(10, 10), false, reservation);
        Hold own = ledger.Admit(rule, User("a"), "gpt-4o-mini-2024-07-18", Capped(10, 10), false, reservation);
        Hold again = ledger.Admit(rule, User("a"), "gpt-4o-mini", Capped(10, 10), false, reservation);

        Assert.NotNull(other.ReservationRefused);
        Assert.Null(other.DrawnFrom);
        Assert.Same(reservation, own.DrawnFrom);
        Assert.False(again.Counted); // one request a day: the reservation does not lift it
    }
}
