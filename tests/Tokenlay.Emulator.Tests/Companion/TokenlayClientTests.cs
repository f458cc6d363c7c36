using System.ClientModel.Primitives;
using OpenAI.Chat;
using Tokenlay.Companion;

namespace Tokenlay.Emulator.Tests.Companion;

public class TokenlayClientTests
{
    private static TokenlayClient Client(TokenlayEmulator emulator, TokenlayClientOptions? options = null) =>
        new(new TokenlayOptions { TokenlayKey = emulator.Key, TokenlayBaseUrl = emulator.BaseUrl }, options);

    [Fact]
    public async Task Usage_sums_match_the_calls_made_by_user_model_and_day()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        var calls = new List<(string User, string Model, TokenlayResponseInfo Info)>();
        foreach ((string user, string model, int count) in new[] { ("alice", "gpt-4o", 3), ("bob", "gpt-4o-mini", 2), ("alice", "gpt-4o-mini", 1) })
        {
            ChatClient chat = Emu.Chat(emulator, model);
            for (int i = 0; i < count; i++)
            {
                calls.Add((user, model, (await Emu.AsUser(chat, user, $"question {i}")).GetRawResponse().GetTokenlayInfo()));
            }
        }
        TokenlayClient tokenlay = Client(emulator);

        TokenlayUsage all = await tokenlay.Usage.GetAsync();
        TokenlayUsage alice = await tokenlay.Usage.GetAsync(new TokenlayUsageQuery { User = "alice" });
        TokenlayUsage mini = await tokenlay.Usage.GetAsync(new TokenlayUsageQuery { Model = "gpt-4o-mini" });

        Assert.Equal(6, all.Totals.Requests);
        Assert.Equal(calls.Sum(c => c.Info.InputTokens), all.Totals.InputTokens);
        Assert.Equal(calls.Sum(c => c.Info.OutputTokens), all.Totals.OutputTokens);
        Assert.Equal(calls.Sum(c => c.Info.CostUsd), all.Totals.CostUsd);
        Assert.Equal(calls.Where(c => c.User == "alice").Sum(c => c.Info.CostUsd), alice.Totals.CostUsd);
        Assert.Equal(4, alice.Totals.Requests);
        Assert.Equal(3, mini.Totals.Requests);
        Assert.Equal(new[] { ("alice", 4L), ("bob", 2L) }, all.ByUser.Select(u => (u.User!, u.Requests)));
        Assert.Equal(calls.Where(c => c.Model == "gpt-4o").Sum(c => c.Info.CostUsd), all.ByModel.Single(m => m.Model == "gpt-4o").CostUsd);
        TokenlayDailyUsage today = Assert.Single(all.Daily);
        Assert.Equal(DateTimeOffset.UtcNow.Date, today.Date.UtcDateTime.Date);
        Assert.Equal(TimeSpan.Zero, today.Date.Offset);
        Assert.Equal(6, today.Requests);
        Assert.Empty(all.UnknownModels);
    }

    [Fact]
    public async Task Usage_can_be_limited_to_a_time_range()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        await Emu.AsUser(Emu.Chat(emulator), "t");
        TokenlayClient tokenlay = Client(emulator);

        TokenlayUsage future = await tokenlay.Usage.GetAsync(new TokenlayUsageQuery { Since = DateTimeOffset.UtcNow.AddHours(1) });
        TokenlayUsage past = await tokenlay.Usage.GetAsync(new TokenlayUsageQuery { Since = DateTimeOffset.UtcNow.AddHours(-1), Until = DateTimeOffset.UtcNow.AddHours(1) });

        Assert.Equal(0, future.Totals.Requests);
        Assert.Equal(1, past.Totals.Requests);
        Assert.NotNull(past.Since);
    }

    [Fact]
    public async Task Unknown_models_show_up_as_unknown_with_null_cost()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.ExtraModels = ["acme-llm-7b"]);
        await Emu.Chat(emulator, "acme-llm-7b").CompleteChatAsync("hi");

        TokenlayUsage usage = await Client(emulator).Usage.GetAsync();

        Assert.Equal(new[] { "acme-llm-7b" }, usage.UnknownModels);
        Assert.Null(usage.ByModel.Single().CostUsd);
        Assert.Equal(0m, usage.Totals.CostUsd);
        Assert.Equal(1, usage.Totals.UnpricedRequests);
    }

    [Fact]
    public async Task Paging_over_260_logs_returns_each_exactly_once_newest_first()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        ChatClient chat = Emu.Chat(emulator);
        var ids = new List<string>();
        for (int i = 0; i < 260; i++)
        {
            ids.Add((await Emu.AsUser(chat, "pager", $"m{i}")).GetRawResponse().GetTokenlayInfo().RequestId!);
        }

        var listed = new List<string>();
        await foreach (TokenlayLogEntry entry in Client(emulator).Logs.ListAsync(new TokenlayLogQuery { User = "pager", PageSize = 40 }))
        {
            listed.Add(entry.Id);
        }

        Assert.Equal(260, listed.Count);
        Assert.Equal(260, listed.Distinct().Count());
        Assert.Equal(ids.AsEnumerable().Reverse(), listed);
    }

    [Fact]
    public async Task Paging_is_lazy_and_stops_fetching_when_the_caller_stops()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        ChatClient chat = Emu.Chat(emulator);
        for (int i = 0; i < 10; i++)
        {
            await chat.CompleteChatAsync("x");
        }
        var counter = new CountingPolicy();
        var options = new TokenlayClientOptions();
        options.AddPolicy(counter, PipelinePosition.PerCall);

        int taken = 0;
        await foreach (TokenlayLogEntry _ in Client(emulator, options).Logs.ListAsync(new TokenlayLogQuery { PageSize = 2 }))
        {
            if (++taken == 5)
            {
                break;
            }
        }

        Assert.Equal(3, counter.Count); // pages of 2, 2 and 1 of 2: never the other two pages
    }

    [Fact]
    public async Task A_page_at_a_time_reports_the_total_and_the_next_cursor()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        ChatClient chat = Emu.Chat(emulator);
        for (int i = 0; i < 5; i++)
        {
            await chat.CompleteChatAsync("x");
        }
        TokenlayLogsClient logs = Client(emulator).Logs;

        TokenlayLogPage first = await logs.GetPageAsync(new TokenlayLogQuery { PageSize = 3 });
        TokenlayLogPage second = await logs.GetPageAsync(new TokenlayLogQuery { PageSize = 3 }, first.NextCursor);

        Assert.Equal(5, first.Total);
        Assert.Equal(3, first.Data.Count);
        Assert.NotNull(first.NextCursor);
        Assert.Equal(2, second.Data.Count);
        Assert.Null(second.NextCursor);
        Assert.Empty(first.Data.Select(e => e.Id).Intersect(second.Data.Select(e => e.Id)));
    }

    [Fact]
    public async Task A_log_entry_is_found_by_its_request_id_and_a_missing_one_is_not_found()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        TokenlayResponseInfo info = (await Emu.AsUser(Emu.Chat(emulator, "gpt-4o"), "finder")).GetRawResponse().GetTokenlayInfo();
        TokenlayLogsClient logs = Client(emulator).Logs;

        TokenlayLogEntry entry = await logs.GetAsync(info.RequestId!);

        Assert.Equal("finder", entry.User);
        Assert.Equal("gpt-4o", entry.ModelUsed);
        Assert.Equal(info.CostUsd, entry.CostUsd);
        Assert.True(entry.Success);
        Assert.True(entry.Latency > TimeSpan.Zero);
        await Assert.ThrowsAsync<TokenlayNotFoundException>(() => logs.GetAsync("req_missing"));
        await Assert.ThrowsAsync<ArgumentException>(() => logs.GetAsync(" "));
    }

    [Fact]
    public async Task Failed_calls_can_be_listed_on_their_own()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "one", "if": {}, "then": { "limits": [ { "type": "requests", "max": 1, "window": "day" } ] } }]
            """);
        ChatClient chat = Emu.Chat(emulator);
        await Emu.AsUser(chat, "f");
        await Assert.ThrowsAsync<TokenlayLimitExceededException>(() => Emu.AsUser(chat, "f"));

        var failed = new List<TokenlayLogEntry>();
        await foreach (TokenlayLogEntry e in Client(emulator).Logs.ListAsync(new TokenlayLogQuery { Success = false }))
        {
            failed.Add(e);
        }

        TokenlayLogEntry blocked = Assert.Single(failed);
        Assert.Equal("block", blocked.RuleAction);
        Assert.Equal(429, blocked.Status);
    }

    [Fact]
    public async Task A_price_override_changes_the_cost_of_later_calls_and_clear_restores_it()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        TokenlayClient tokenlay = Client(emulator);
        ChatClient chat = Emu.Chat(emulator, "gpt-4o-mini");
        TokenlayResponseInfo before = (await chat.CompleteChatAsync("same")).GetRawResponse().GetTokenlayInfo();

        TokenlayPricing updated = await tokenlay.Pricing.UpdateAsync("openai", "gpt-4o-mini", new TokenlayModelPrice(15m, 60m));
        TokenlayResponseInfo after = (await chat.CompleteChatAsync("same")).GetRawResponse().GetTokenlayInfo();
        TokenlayPricing cleared = await tokenlay.Pricing.ClearAsync();
        TokenlayResponseInfo restored = (await chat.CompleteChatAsync("same")).GetRawResponse().GetTokenlayInfo();

        Assert.Equal(15m, updated.Overrides["openai"]["gpt-4o-mini"].Input);
        Assert.Equal(0.15m, updated.Defaults["openai"]["gpt-4o-mini"].Input);
        Assert.Equal(before.CostUsd * 100, after.CostUsd);
        Assert.Empty(cleared.Overrides);
        Assert.Equal(before.CostUsd, restored.CostUsd);
        Assert.Equal(0.60m, (await tokenlay.Pricing.GetAsync()).Value.Defaults["openai"]["gpt-4o-mini"].Output);
    }

    [Fact]
    public async Task Health_is_reported()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();

        TokenlayHealth health = await Client(emulator).CheckHealthAsync();

        Assert.True(health.IsHealthy);
    }

    [Fact]
    public async Task A_wrong_key_is_an_authentication_error_without_the_key_in_it()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        var tokenlay = new TokenlayClient(new TokenlayOptions { TokenlayKey = "tl_wrong_companion_key", TokenlayBaseUrl = emulator.BaseUrl });

        var error = await Assert.ThrowsAsync<TokenlayAuthenticationException>(() => tokenlay.Usage.GetAsync());

        Assert.DoesNotContain("tl_wrong_companion_key", error.ToString());
    }
}
