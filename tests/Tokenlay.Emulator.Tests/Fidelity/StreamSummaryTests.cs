#pragma warning disable OPENAI001 // the Responses client is marked experimental by the OpenAI library
using OpenAI.Chat;
using OpenAI.Responses;
using Tokenlay.Emulator.Metering;

namespace Tokenlay.Emulator.Tests.Fidelity;

/// <summary>Issue 11, item 11: a streamed call's cost and tokens reach the SDK user.</summary>
public class StreamSummaryTests
{
    private static async Task<string> RawStream(TokenlayEmulator emulator, bool askForSummary)
    {
        using HttpClient http = Emu.Http(emulator);
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Emu.Json("""{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"count the cost"}]}"""),
        };
        if (askForSummary)
        {
            request.Headers.Add("x-tokenlay-stream-summary", "event");
        }
        return await (await http.SendAsync(request)).Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task The_summary_event_comes_before_done_only_for_callers_that_ask()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();

        string plain = await RawStream(emulator, askForSummary: false);
        string summarised = await RawStream(emulator, askForSummary: true);

        Assert.DoesNotContain("tokenlay.summary", plain);
        int summary = summarised.IndexOf("event: tokenlay.summary", StringComparison.Ordinal);
        Assert.InRange(summary, 1, summarised.IndexOf("data: [DONE]", StringComparison.Ordinal));
        Assert.Contains("\"cost\":", summarised);
        // Apart from the summary (and ids and timestamps), the two streams carry the same events.
        Assert.Equal(plain.Split("\n\n").Length + 1, summarised.Split("\n\n").Length);
    }

    [Fact]
    public async Task A_streamed_chat_reports_its_cost_and_tokens_once_to_on_response()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        var reports = new List<TokenlayResponseInfo>();
        ChatClient chat = Emu.Chat(emulator, configure: o => o.OnResponse = reports.Add);

        string text = "";
        await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync("how much did this cost?"))
        {
            text += string.Concat(update.ContentUpdate.Select(p => p.Text));
        }

        Assert.Contains("how much did this cost?", text);
        TokenlayResponseInfo info = Assert.Single(reports);
        CallLogEntry entry = Assert.Single(emulator.Store.Snapshot());
        Assert.Equal(entry.CostUsd, info.CostUsd);
        Assert.Equal(entry.InputTokens, info.InputTokens);
        Assert.Equal(entry.OutputTokens, info.OutputTokens);
        Assert.Equal(entry.Id, info.RequestId);
        Assert.NotNull(info.Duration);
    }

    [Fact]
    public async Task A_streamed_response_and_a_forwarded_stream_report_their_cost_too()
    {
        await using TokenlayEmulator provider = await Emu.StartAsync(configure: o => o.Key = "sk-upstream");
        await using TokenlayEmulator proxy = await Emu.StartAsync(configure: o => o.Forward = true);
        var reports = new List<TokenlayResponseInfo>();
        OpenAI.OpenAIClient client = Emu.Sdk(proxy, o =>
        {
            o.ProviderApiKey = "sk-upstream";
            o.ProviderApiBase = new Uri(provider.BaseUrl, "v1");
            o.OnResponse = reports.Add;
        });

        await foreach (StreamingChatCompletionUpdate _ in client.GetChatClient("gpt-4o-mini").CompleteChatStreamingAsync("forwarded"))
        {
        }
        ResponseResult? completed = null;
        await foreach (StreamingResponseUpdate update in await client.GetResponsesClient().CreateResponseStreamingAsync("gpt-4o", "responses", null))
        {
            completed = (update as StreamingResponseCompletedUpdate)?.Response ?? completed;
        }

        Assert.NotNull(completed);
        Assert.Equal(2, reports.Count);
        Assert.All(reports, r => Assert.True(r.CostUsd > 0 && r.OutputTokens > 0, $"{r.RequestId}: cost {r.CostUsd}, output {r.OutputTokens}"));
        Assert.Equal(proxy.Store.Snapshot().Select(e => e.CostUsd), reports.Select(r => r.CostUsd));
    }

    [Fact]
    public async Task An_abandoned_stream_is_reported_once_with_what_the_headers_said()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.SimulatedChunkDelay = TimeSpan.FromMilliseconds(20));
        var reports = new List<TokenlayResponseInfo>();
        ChatClient chat = Emu.Chat(emulator, configure: o => o.OnResponse = reports.Add);

        await foreach (StreamingChatCompletionUpdate _ in chat.CompleteChatStreamingAsync("a long story please, with many words in it"))
        {
            break;
        }

        TokenlayResponseInfo info = Assert.Single(reports);
        Assert.NotNull(info.RequestId);
        Assert.Null(info.CostUsd);
    }
}
