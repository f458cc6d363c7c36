using System.ClientModel;
using Microsoft.Extensions.Time.Testing;
using OpenAI.Chat;
using Tokenlay.Companion;

namespace Tokenlay.Emulator.Tests.Budgets;

/// <summary>Issue 15's invariants, through the SDK against the emulator, with real concurrency.</summary>
public class BudgetInvariantTests
{
    private const string DollarPerDay = """
        [{ "id": "dollar", "if": {}, "then": { "limits": [ { "type": "cost", "max": 1.00, "window": "day", "per": "org" } ] } }]
        """;

    private static TokenlayClient Companion(TokenlayEmulator emulator) => new(emulator.CreateClientOptions());

    private static TokenlayReservationRequest Dime(string user) => new("gpt-4o") { Org = "acme", User = user, EstimatedCostUsd = 0.10m };

    private static async Task<TokenlayReservation?[]> ReserveConcurrently(TokenlayClient tokenlay, int count, string prefix) =>
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            try
            {
                return (await tokenlay.Limits.ReserveAsync(Dime(prefix + i))).Value;
            }
            catch (TokenlayLimitExceededException)
            {
                return null;
            }
        }));

    [Fact]
    public async Task Fifty_concurrent_reservations_of_a_dime_against_a_dollar_grant_exactly_ten_then_five_after_five_are_released()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(DollarPerDay);
        TokenlayClient tokenlay = Companion(emulator);

        TokenlayReservation?[] first = await ReserveConcurrently(tokenlay, 50, "a");
        TokenlayReservation[] granted = first.OfType<TokenlayReservation>().ToArray();
        Assert.Equal(10, granted.Length);

        foreach (TokenlayReservation reservation in granted.Take(5))
        {
            await reservation.DisposeAsync();
        }
        TokenlayReservation?[] second = await ReserveConcurrently(tokenlay, 50, "b");
        Assert.Equal(5, second.OfType<TokenlayReservation>().Count());
        Assert.All(granted.Take(5), r => Assert.Equal("released", r.Status));
    }

    [Fact]
    public async Task A_reservation_nobody_releases_is_released_at_expiry_as_if_it_never_existed()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero));
        await using TokenlayEmulator emulator = await Emu.StartAsync(DollarPerDay, o => o.TimeProvider = clock);
        TokenlayClient tokenlay = Companion(emulator);
        var check = new TokenlayCheckRequest("gpt-4o") { Org = "acme", EstimatedInputTokens = 0, EstimatedOutputTokens = 0 };
        TokenlayCheckResult before = await tokenlay.Limits.CheckAsync(check);

        _ = await tokenlay.Limits.ReserveAsync(new TokenlayReservationRequest("gpt-4o")
        {
            Org = "acme", EstimatedCostUsd = 0.60m, TimeToLive = TimeSpan.FromSeconds(60),
        });
        Assert.Equal(0.40m, (await tokenlay.Limits.CheckAsync(check)).Value.Remaining("cost"));
        await Assert.ThrowsAsync<TokenlayLimitExceededException>(() => tokenlay.Limits.ReserveAsync(new TokenlayReservationRequest("gpt-4o") { Org = "acme", EstimatedCostUsd = 0.50m }));

        clock.Advance(TimeSpan.FromSeconds(61));

        TokenlayCheckResult after = await tokenlay.Limits.CheckAsync(check);
        Assert.Equal(before.Remaining("cost"), after.Remaining("cost"));
        Assert.Equal(1.00m, after.Remaining("cost"));
        await using TokenlayReservation next = await tokenlay.Limits.ReserveAsync(new TokenlayReservationRequest("gpt-4o") { Org = "acme", EstimatedCostUsd = 0.90m });
        Assert.Equal(0, (await tokenlay.Usage.GetAsync()).Value.Totals.Requests);
    }

    [Fact]
    public async Task A_check_agrees_with_the_proxied_call_that_follows_it()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [
              { "id": "free", "priority": 10, "if": { "plan": "free" }, "then": {
                  "limits": [ { "type": "requests", "max": 2, "window": "day", "per": "user" } ] } },
              { "id": "pro", "if": {}, "then": {
                  "limits": [ { "type": "requests", "max": 3, "window": "day", "per": "user" } ],
                  "on_limit_exceeded": { "action": "downgrade", "downgrade_to": "gpt-4o-mini" } } }
            ]
            """);
        TokenlayClient tokenlay = Companion(emulator);
        ChatClient chat = Emu.Chat(emulator, "gpt-4o");

        foreach ((string user, string? plan) in new[] { ("fiona", "free"), ("paul", (string?)null) })
        {
            for (int i = 0; i < 5; i++)
            {
                TokenlayCheckResult check = await tokenlay.Limits.CheckAsync(new TokenlayCheckRequest("gpt-4o") { User = user, Plan = plan, EstimatedOutputTokens = 50 });
                TokenlayResponseInfo? info = null;
                bool served;
                try
                {
                    using (TokenlayScope.Begin(new TokenlayRequestContext { User = user, Plan = plan, OnResponse = r => info = r }))
                    {
                        await chat.CompleteChatAsync(["hello " + i], new ChatCompletionOptions { MaxOutputTokenCount = 50 });
                    }
                    served = true;
                }
                catch (TokenlayLimitExceededException e)
                {
                    served = false;
                    Assert.Equal(check.RuleId, e.RuleId);
                }
                Assert.Equal(check.Allowed, served);
                if (served)
                {
                    Assert.Equal(check.RuleId, info!.RuleId);
                    Assert.Equal(check.Model, info.Model);
                    Assert.Equal(check.Action, info.RuleAction);
                }
            }
        }
        Assert.Equal(2, emulator.Store.Snapshot().Count(e => e.User == "fiona" && e.Success));
        Assert.Equal(2, emulator.Store.Snapshot().Count(e => e.User == "paul" && e.ModelUsed == "gpt-4o-mini"));
    }

    [Fact]
    public async Task A_record_retried_with_its_key_counts_once_and_recorded_and_proxied_usage_add_up()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "tokens", "if": {}, "then": { "limits": [ { "type": "tokens", "max": 100000, "window": "day", "per": "user" } ] } }]
            """);
        TokenlayClient tokenlay = Companion(emulator);
        ClientResult<ChatCompletion> proxied = await Emu.AsUser(Emu.Chat(emulator), "rita", "a proxied call");
        long proxiedTokens = proxied.Value.Usage.TotalTokenCount;

        var record = new TokenlayUsageRecord("gpt-4o-realtime-preview", 1200, 300) { User = "rita", IdempotencyKey = "realtime-session-42", CostUsd = 0.05m };
        TokenlayRecordResult first = await tokenlay.Usage.RecordAsync(record);
        TokenlayRecordResult retried = await tokenlay.Usage.RecordAsync(record);

        Assert.Equal(first.Entry.Id, retried.Entry.Id);
        Assert.Equal("recorded", first.Entry.Source);
        TokenlayUsage usage = await tokenlay.Usage.GetAsync(new TokenlayUsageQuery { User = "rita" });
        Assert.Equal(2, usage.Totals.Requests);
        Assert.Equal(proxiedTokens + 1500, usage.Totals.TotalTokens);
        TokenlayCheckResult check = await tokenlay.Limits.CheckAsync(new TokenlayCheckRequest("gpt-4o-mini") { User = "rita", EstimatedOutputTokens = 0 });
        Assert.Equal(proxiedTokens + 1500, Assert.Single(check.Limits).Current);
    }

    [Fact]
    public async Task A_record_past_a_limit_is_recorded_and_says_the_limit_is_now_exceeded()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "small", "if": {}, "then": { "limits": [ { "type": "tokens", "max": 1000, "window": "day", "per": "user" } ] } }]
            """);
        TokenlayClient tokenlay = Companion(emulator);

        TokenlayRecordResult result = await tokenlay.Usage.RecordAsync(new TokenlayUsageRecord("llama-3-local", 900, 600) { User = "lou" });

        Assert.True(result.LimitExceeded);
        Assert.Equal("tokens", result.Limit!.Type);
        Assert.Equal(1500, result.Limit.Current);
        await Assert.ThrowsAsync<TokenlayLimitExceededException>(() => Emu.AsUser(Emu.Chat(emulator), "lou"));
    }

    [Fact]
    public async Task Calls_drawing_on_a_reservation_are_not_refused_while_it_covers_them_though_others_exhausted_the_limit()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "shared", "if": {}, "then": { "limits": [ { "type": "tokens", "max": 2000, "window": "day", "per": "global" } ] } }]
            """);
        TokenlayClient tokenlay = Companion(emulator);
        ChatClient chat = Emu.Chat(emulator);
        var small = new ChatCompletionOptions { MaxOutputTokenCount = 40 };

        await using TokenlayReservation job = await tokenlay.Limits.ReserveAsync(new TokenlayReservationRequest("gpt-4o-mini")
        {
            User = "agent", EstimatedInputTokens = 400, EstimatedOutputTokens = 400,
        });
        // Everyone else spends the shared limit down until they are refused.
        int othersServed = 0;
        while (true)
        {
            try
            {
                using (TokenlayScope.Begin(new TokenlayRequestContext { User = "crowd" }))
                {
                    await chat.CompleteChatAsync(["crowd call " + othersServed], small);
                }
                othersServed++;
            }
            catch (TokenlayLimitExceededException)
            {
                break;
            }
        }
        Assert.InRange(othersServed, 1, 100);

        int jobCalls = 0;
        using (job.BeginScope(new TokenlayRequestContext { User = "agent" }))
        {
            for (; jobCalls < 5; jobCalls++)
            {
                await chat.CompleteChatAsync(["agent step " + jobCalls], small); // never refused while the hold covers it
            }
        }
        Assert.All(emulator.Store.Snapshot().Where(e => e.User == "agent"), e => Assert.Equal(job.Id, e.ReservationId));
        Assert.Equal(5, emulator.Store.Snapshot().Count(e => e.User == "agent" && e.Success));
        // Without the reservation the agent is refused like everyone else.
        await Assert.ThrowsAsync<TokenlayLimitExceededException>(() => Emu.AsUser(chat, "agent", "no hold"));
    }
}
