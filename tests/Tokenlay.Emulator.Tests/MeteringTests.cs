using System.ClientModel;
using System.Net;
using System.Text.Json.Nodes;
using OpenAI.Chat;
using Tokenlay.Emulator.Metering;

namespace Tokenlay.Emulator.Tests;

public class MeteringTests
{
    [Fact]
    public async Task Every_call_is_logged_with_attribution_tokens_cost_and_latency()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        ChatClient chat = Emu.Chat(emulator, "gpt-4o");

        ClientResult<ChatCompletion> result;
        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "Zoë", Org = "acme", Plan = "pro", Project = "bot", Feature = "summary", Metadata = { ["region"] = "eu" } }))
        {
            result = await chat.CompleteChatAsync("Summarize the news");
        }

        CallLogEntry entry = Assert.Single(emulator.Store.Snapshot());
        TokenlayResponseInfo info = result.GetTokenlayInfo();
        Assert.Equal(info.RequestId, entry.Id);
        Assert.Equal(("Zoë", "acme", "pro", "bot", "summary"), (entry.User, entry.Org, entry.Plan, entry.Project, entry.Feature));
        Assert.Equal("eu", entry.Metadata["region"]);
        Assert.Equal(result.Value.Usage.InputTokenCount, entry.InputTokens);
        Assert.Equal(result.Value.Usage.OutputTokenCount, entry.OutputTokens);
        decimal expected = (entry.InputTokens * 2.50m + entry.OutputTokens * 10m) / 1_000_000m; // gpt-4o list price
        Assert.Equal(expected, entry.CostUsd);
        Assert.Equal(expected, info.CostUsd);
        Assert.Equal(entry.InputTokens + entry.OutputTokens, info.TokensUsed);
        Assert.True(entry.Success);
        Assert.True(entry.LatencyMs > 0);
        Assert.NotNull(info.Duration);
    }

    [Fact]
    public async Task Dated_model_names_are_priced_as_their_family()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();

        TokenlayResponseInfo info = (await Emu.Chat(emulator, "gpt-4o-mini-2024-07-18").CompleteChatAsync("hi")).GetTokenlayInfo();

        CallLogEntry entry = emulator.Store.Snapshot().Single();
        Assert.Equal((entry.InputTokens * 0.15m + entry.OutputTokens * 0.60m) / 1_000_000m, info.CostUsd);
    }

    [Fact]
    public async Task A_model_with_no_price_has_null_cost_and_is_listed_as_unknown_never_zero()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.ExtraModels = ["my-private-finetune"]);

        TokenlayResponseInfo info = (await Emu.Chat(emulator, "my-private-finetune").CompleteChatAsync("hi")).GetTokenlayInfo();
        await Emu.Chat(emulator, "gpt-4o-mini").CompleteChatAsync("hi");

        Assert.Null(info.CostUsd);
        Assert.NotNull(info.TokensUsed);
        UsageReport report = UsageReport.Build(emulator.Store.Snapshot(), null, null);
        Assert.Equal(new[] { "my-private-finetune" }, report.UnknownModels);
        Assert.Null(report.ByModel.Single(m => m.Model == "my-private-finetune").CostUsd);
        Assert.Equal(1, report.Totals.UnpricedRequests);
    }

    [Fact]
    public async Task A_price_override_changes_the_cost_of_later_calls_and_delete_restores_the_default()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.ExtraModels = ["my-finetune"]);
        using HttpClient http = Emu.Http(emulator);
        ChatClient chat = Emu.Chat(emulator, "my-finetune");

        HttpResponseMessage put = await http.PutAsync("/v1/pricing", Emu.Json("""{"openai": {"my-finetune": {"input": 1000000, "output": 0}}}"""));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        TokenlayResponseInfo priced = (await chat.CompleteChatAsync("hi")).GetTokenlayInfo();
        Assert.Equal(priced.InputTokens, priced.CostUsd); // $1M per 1M tokens: one dollar a token

        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync("/v1/pricing")).StatusCode);
        Assert.Null((await chat.CompleteChatAsync("hi")).GetTokenlayInfo().CostUsd);
    }

    [Theory]
    [InlineData("""{"openai": {"m": {"input": -1, "output": 1}}}""", "openai.m")]
    [InlineData("""{"openai": {"m": {"input": 1}}}""", "openai.m")]
    [InlineData("""{"openai": 5}""", "openai")]
    [InlineData("""[]""", "non-empty object")]
    [InlineData("""{""", "must be JSON")]
    public async Task An_invalid_price_update_is_refused_naming_what_to_fix(string body, string expected)
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage response = await http.PutAsync("/v1/pricing", Emu.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_streamed_call_is_metered_from_its_usage_chunk()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        ChatClient chat = Emu.Chat(emulator, "gpt-4o-mini");

        ChatTokenUsage? usage = null;
        await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync("stream me"))
        {
            usage ??= update.Usage;
        }

        CallLogEntry entry = emulator.Store.Snapshot().Single();
        Assert.True(entry.Stream);
        Assert.Equal(usage!.InputTokenCount, entry.InputTokens);
        Assert.Equal(usage.OutputTokenCount, entry.OutputTokens);
        Assert.NotNull(entry.CostUsd);
    }

    [Fact]
    public async Task A_repeated_idempotency_key_is_served_but_counted_once()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "cap", "if": {}, "then": { "limits": [ { "type": "requests", "max": 1, "window": "day", "per": "user" } ] } }]
            """);
        using HttpClient http = Emu.Http(emulator);
        async Task<HttpResponseMessage> Send()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = Emu.Json("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"""),
            };
            request.Headers.Add("x-tokenlay-idempotency-key", "same-logical-call");
            request.Headers.Add("x-tokenlay-user", "u");
            return await http.SendAsync(request);
        }

        Assert.Equal(HttpStatusCode.OK, (await Send()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send()).StatusCode); // a retry: not blocked by the limit of 1

        // The retry is a replay of the stored answer: not run, not logged, not metered again.
        IReadOnlyList<CallLogEntry> log = emulator.Store.Snapshot();
        Assert.Single(log);
        Assert.Equal(1, UsageReport.Build(log, null, null).Totals.Requests);
    }

    [Fact]
    public async Task State_kept_in_a_file_survives_a_restart()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tokenlay-state-{Guid.NewGuid():N}.json");
        try
        {
            await using (TokenlayEmulator first = await Emu.StartAsync(configure: o => o.StatePath = path))
            {
                await Emu.AsUser(Emu.Chat(first), "kept");
                using HttpClient http = Emu.Http(first);
                await http.PutAsync("/v1/pricing", Emu.Json("""{"openai": {"kept-model": {"input": 1, "output": 1}}}"""));
            }

            await using TokenlayEmulator second = await Emu.StartAsync(configure: o => o.StatePath = path);
            Assert.Equal("kept", Assert.Single(second.Store.Snapshot()).User);
            Assert.NotNull(second.Store.Prices.Find("openai", "kept-model"));
            await Emu.AsUser(Emu.Chat(second), "new");
            Assert.Equal(2, second.Store.Snapshot().Select(e => e.Id).Distinct().Count());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
