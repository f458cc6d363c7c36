using System.Net;
using Tokenlay.Emulator.Metering;

namespace Tokenlay.Emulator.Tests.Integrity;

/// <summary>
/// Issue 10, item 2: token and cost limits hold under concurrency. Each call holds its estimate
/// (exact prompt + max_tokens) at admission, so 50 callers at once cannot jointly overshoot.
/// </summary>
public class ConcurrentLimitTests
{
    [Fact]
    public async Task Fifty_concurrent_calls_never_spend_past_a_cost_limit()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "cents", "if": {}, "then": { "limits": [ { "type": "cost", "max": 0.0001, "window": "day", "per": "user" } ] } }]
            """, o => o.SimulatedLatency = TimeSpan.FromMilliseconds(200));
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage[] answers = await Task.WhenAll(Enumerable.Range(0, 50)
            .Select(i => Calls.ChatAsync(http, "spend a little " + i, "spender", model: "gpt-4o-mini", maxTokens: 40)));

        int served = answers.Count(a => a.StatusCode == HttpStatusCode.OK);
        decimal spent = emulator.Store.Snapshot().Where(e => e.Counted).Sum(e => e.CostUsd ?? 0);
        Assert.InRange(served, 1, 49);
        Assert.True(spent <= 0.0001m, $"{served} calls spent ${spent}, past the $0.0001 limit");
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.TooManyRequests, a.StatusCode));
    }

    [Fact]
    public async Task Fifty_concurrent_calls_never_spend_past_a_token_limit()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "hundred", "if": {}, "then": { "limits": [ { "type": "tokens", "max": 100, "window": "day", "per": "user" } ] } }]
            """, o => o.SimulatedLatency = TimeSpan.FromMilliseconds(200));
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage[] answers = await Task.WhenAll(Enumerable.Range(0, 50)
            .Select(i => Calls.ChatAsync(http, "count me " + i, "counter", maxTokens: 10)));

        long spent = emulator.Store.Snapshot().Where(e => e.Counted).Sum(e => e.InputTokens + e.OutputTokens);
        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.True(spent <= 100, $"spent {spent} tokens against a limit of 100");
    }

    [Fact]
    public async Task A_call_is_refused_when_its_estimate_does_not_fit_and_says_how_much_is_used_and_held()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "small", "if": {}, "then": { "limits": [ { "type": "tokens", "max": 50, "window": "day", "per": "user" } ] } }]
            """);
        using HttpClient http = Emu.Http(emulator);

        // Without max_tokens a call holds the default 256 output tokens: more than the whole limit.
        HttpResponseMessage refused = await Calls.ChatAsync(http, "hi", "u");
        HttpResponseMessage served = await Calls.ChatAsync(http, "hi", "u", maxTokens: 20);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }
}
