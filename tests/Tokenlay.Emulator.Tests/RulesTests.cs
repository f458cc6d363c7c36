using System.ClientModel;
using OpenAI.Chat;

namespace Tokenlay.Emulator.Tests;

public class RulesTests
{
    private const string FreeTierRules = """
        [
          { "id": "free-tier", "priority": 1, "if": { "plan": "free" },
            "then": { "model": "gpt-4o-mini",
                      "limits": [ { "type": "requests", "max": 2, "window": "day", "per": "user" } ],
                      "on_limit_exceeded": { "action": "block", "error_message": "Free plan: 2 calls a day.", "error_code": "free_daily_requests" } } },
          { "id": "pro-tier", "priority": 2, "if": { "plan": "pro" },
            "then": { "limits": [ { "type": "requests", "max": 1, "window": "month", "per": "user" } ],
                      "on_limit_exceeded": { "action": "downgrade", "downgrade_to": "gpt-4o-mini" } } },
          { "id": "trial", "if": { "plan": "trial" },
            "then": { "limits": [ { "type": "requests", "max": 1, "window": "hour", "per": "user" } ],
                      "on_limit_exceeded": { "action": "warn" } } }
        ]
        """;

    private static async Task<ClientResult<ChatCompletion>> Call(ChatClient chat, string user, string plan)
    {
        using (TokenlayScope.Begin(new TokenlayRequestContext { User = user, Plan = plan }))
        {
            return await chat.CompleteChatAsync("hi");
        }
    }

    [Fact]
    public async Task A_block_rule_refuses_the_call_over_the_limit_with_the_rule_and_limit_in_the_typed_exception()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(FreeTierRules);
        ChatClient chat = Emu.Chat(emulator, "gpt-4o");

        await Call(chat, "u1", "free");
        await Call(chat, "u1", "free");
        var error = await Assert.ThrowsAsync<TokenlayLimitExceededException>(() => Call(chat, "u1", "free"));

        Assert.Equal(429, error.Status);
        Assert.Equal("free-tier", error.RuleId);
        Assert.Equal("free_daily_requests", error.ErrorCode);
        Assert.StartsWith("Free plan: 2 calls a day.", error.Message);
        Assert.Equal("requests", error.Limit!.Type);
        Assert.Equal("day", error.Limit.Window);
        Assert.Equal(2m, error.Limit.Max);
        Assert.Equal(2m, error.Limit.Current);
        Assert.NotNull(error.Limit.ResetsAt);
        Assert.InRange(error.RetryAfter!.Value, TimeSpan.Zero, TimeSpan.FromDays(1));
        Assert.NotNull(error.RequestId);

        await Call(chat, "u2", "free"); // another user has a quota of their own
    }

    [Fact]
    public async Task A_rules_model_replaces_the_requested_one_and_says_so()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(FreeTierRules);

        ClientResult<ChatCompletion> result = await Call(Emu.Chat(emulator, "gpt-4o"), "u1", "free");

        Assert.Equal("gpt-4o-mini", result.Value.Model);
        Assert.Equal("gpt-4o-mini", result.GetTokenlayInfo().Model);
        Assert.Equal("free-tier", result.GetTokenlayInfo().RuleId);
        Assert.Equal(TokenlayRuleAction.Allow, result.GetTokenlayInfo().RuleAction);
    }

    [Fact]
    public async Task A_downgrade_rule_serves_the_cheaper_model_over_the_limit()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(FreeTierRules);
        ChatClient chat = Emu.Chat(emulator, "gpt-4o");

        TokenlayResponseInfo first = (await Call(chat, "p1", "pro")).GetTokenlayInfo();
        ClientResult<ChatCompletion> second = await Call(chat, "p1", "pro");

        Assert.Equal("gpt-4o", first.Model);
        Assert.Equal(TokenlayRuleAction.Downgrade, second.GetTokenlayInfo().RuleAction);
        Assert.Equal("gpt-4o-mini", second.GetTokenlayInfo().Model);
        Assert.Equal("gpt-4o-mini", second.Value.Model);
        Assert.True(second.GetTokenlayInfo().LimitExceeded);
        Assert.Equal("gpt-4o-mini", emulator.Store.Snapshot().Last().ModelUsed);
    }

    [Fact]
    public async Task A_warn_rule_lets_the_call_through_with_a_warning()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(FreeTierRules);
        ChatClient chat = Emu.Chat(emulator);

        Assert.Empty((await Call(chat, "t1", "trial")).GetTokenlayInfo().Warnings);
        TokenlayResponseInfo over = (await Call(chat, "t1", "trial")).GetTokenlayInfo();

        Assert.Equal(TokenlayRuleAction.Warn, over.RuleAction);
        Assert.Single(over.Warnings);
        Assert.Contains("Requests limit of 1 per user per hour reached", over.Warnings[0]);
    }

    [Fact]
    public async Task Fifty_concurrent_calls_against_a_limit_of_ten_let_exactly_ten_through_and_meter_each_once()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "cap", "if": {}, "then": { "limits": [ { "type": "requests", "max": 10, "window": "total", "per": "user" } ] } }]
            """, o => o.SimulatedLatency = TimeSpan.FromMilliseconds(20));
        ChatClient chat = Emu.Chat(emulator);

        Task<ClientResult<ChatCompletion>>[] calls = Enumerable.Range(0, 50).Select(_ => Emu.AsUser(chat, "same-user")).ToArray();
        await Task.WhenAll(calls.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));

        Assert.Equal(10, calls.Count(c => c.IsCompletedSuccessfully));
        Assert.Equal(40, calls.Count(c => c.Exception?.InnerException is TokenlayLimitExceededException));
        var log = emulator.Store.Snapshot();
        Assert.Equal(50, log.Count);
        Assert.Equal(10, log.Count(e => e.Counted));
        Assert.Equal(40, log.Count(e => e.RuleAction == "block"));
    }

    [Fact]
    public async Task A_concurrency_limit_with_queue_makes_calls_wait_their_turn()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "one-at-a-time", "if": {}, "then": {
                "limits": [ { "type": "concurrent", "max": 1, "per": "user" } ],
                "on_limit_exceeded": { "action": "queue" } } }]
            """, o => o.SimulatedLatency = TimeSpan.FromMilliseconds(500)); // the four calls must overlap, even on a loaded runner
        ChatClient chat = Emu.Chat(emulator);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Emu.AsUser(chat, "q")));

        var log = emulator.Store.Snapshot();
        Assert.All(log, e => Assert.True(e.Success));
        Assert.Equal(3, log.Count(e => e.RuleAction == "queue"));
    }

    [Fact]
    public async Task A_concurrency_limit_without_queue_blocks_the_extra_calls()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "two", "if": {}, "then": { "limits": [ { "type": "concurrent", "max": 2, "per": "user" } ] } }]
            """, o => o.SimulatedLatency = TimeSpan.FromSeconds(1)); // the six calls must overlap, even on a loaded runner
        ChatClient chat = Emu.Chat(emulator);

        Task<ClientResult<ChatCompletion>>[] calls = Enumerable.Range(0, 6).Select(_ => Emu.AsUser(chat, "c")).ToArray();
        await Task.WhenAll(calls.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));

        Assert.Equal(2, calls.Count(c => c.IsCompletedSuccessfully));
        await Emu.AsUser(chat, "c"); // slots are given back when calls finish
    }

    [Fact]
    public async Task A_cost_limit_blocks_the_call_whose_estimate_no_longer_fits()
    {
        // gpt-4o: $2.50 in, $10 out per 1M. Each call holds its prompt and max_tokens (20 out) at admission.
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "budget", "if": {}, "then": { "limits": [ { "type": "cost", "max": 0.001, "window": "month", "per": "org" } ] } }]
            """);
        ChatClient chat = Emu.Chat(emulator, "gpt-4o");

        int served = 0;
        TokenlayLimitExceededException? blocked = null;
        for (int i = 0; i < 60 && blocked is null; i++)
        {
            try
            {
                using (TokenlayScope.Begin(new TokenlayRequestContext { Org = "acme" }))
                {
                    await chat.CompleteChatAsync(["spend"], new ChatCompletionOptions { MaxOutputTokenCount = 20 });
                }
                served++;
            }
            catch (TokenlayLimitExceededException e)
            {
                blocked = e;
            }
        }

        Assert.NotNull(blocked);
        Assert.InRange(served, 1, 59);
        Assert.Equal("cost", blocked!.Limit!.Type);
        Assert.Equal("org", blocked.Limit.Per);
        decimal spent = emulator.Store.Snapshot().Sum(e => e.CostUsd ?? 0);
        Assert.True(spent <= 0.001m, $"spent {spent}, more than the limit");
        Assert.Equal(spent, blocked.Limit.Current);
    }

    [Fact]
    public async Task A_flat_block_action_refuses_matching_calls()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "no-gpt4", "if": { "model": { "startsWith": "gpt-4" }, "feature": { "nin": ["admin"] } }, "then": { "action": "block" } }]
            """);

        var error = await Assert.ThrowsAnyAsync<TokenlayException>(() => Emu.Chat(emulator, "gpt-4o").CompleteChatAsync("hi"));
        Assert.Equal(403, error.Status);

        using (TokenlayScope.Begin(new TokenlayRequestContext { Feature = "admin" }))
        {
            await Emu.Chat(emulator, "gpt-4o").CompleteChatAsync("hi");
        }
        await Emu.Chat(emulator, "o3").CompleteChatAsync("hi");
    }

    [Fact]
    public async Task Higher_priority_rules_win()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [
              { "id": "low", "priority": 1, "if": { "plan": "free" }, "then": { "model": "gpt-3.5-turbo" } },
              { "id": "vip", "priority": 10, "if": { "and": [ { "plan": "free" }, { "vip": "true" } ] }, "then": { "model": "gpt-4o" } }
            ]
            """);
        ChatClient chat = Emu.Chat(emulator, "anything");

        using (TokenlayScope.Begin(new TokenlayRequestContext { Plan = "free", Metadata = { ["vip"] = "true" } }))
        {
            Assert.Equal("vip", (await chat.CompleteChatAsync("hi")).GetTokenlayInfo().RuleId);
        }
        using (TokenlayScope.Begin(new TokenlayRequestContext { Plan = "free" }))
        {
            Assert.Equal("low", (await chat.CompleteChatAsync("hi")).GetTokenlayInfo().RuleId);
        }
    }
}
