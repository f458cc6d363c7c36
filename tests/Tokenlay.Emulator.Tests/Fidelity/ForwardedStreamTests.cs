using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Tests.Fidelity;

/// <summary>Issue 11, item 8: in --forward a caller gets exactly the usage fields it asked for.</summary>
public class ForwardedStreamTests
{
    private static async Task<JsonNode[]> Chunks(bool includeUsage)
    {
        await using TokenlayEmulator provider = await Emu.StartAsync(configure: o => o.Key = "sk-up");
        await using TokenlayEmulator proxy = await Emu.StartAsync(configure: o => o.Forward = true);
        using HttpClient http = Emu.Http(proxy);
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Emu.Json($$"""{"model":"gpt-4o-mini","stream":true,{{(includeUsage ? "\"stream_options\":{\"include_usage\":true}," : "")}}"messages":[{"role":"user","content":"a b c"}]}"""),
        };
        request.Headers.Add("x-tokenlay-provider-key", "sk-up");
        request.Headers.Add("x-tokenlay-provider-base", new Uri(provider.BaseUrl, "v1").ToString());
        string body = await (await http.SendAsync(request)).Content.ReadAsStringAsync();
        return body.Split('\n').Where(l => l.StartsWith("data: {", StringComparison.Ordinal)).Select(l => JsonNode.Parse(l[6..])!).ToArray();
    }

    [Fact]
    public async Task A_caller_that_did_not_ask_for_usage_sees_no_usage_field_at_all()
    {
        JsonNode[] chunks = await Chunks(includeUsage: false);

        Assert.NotEmpty(chunks);
        Assert.All(chunks, c => Assert.False(c.AsObject().ContainsKey("usage"), c.ToJsonString()));
        Assert.All(chunks, c => Assert.NotEmpty(c["choices"]!.AsArray()));
    }

    [Fact]
    public async Task A_caller_that_asked_gets_usage_null_on_each_chunk_and_the_usage_chunk_last()
    {
        JsonNode[] chunks = await Chunks(includeUsage: true);

        Assert.All(chunks.SkipLast(1), c => Assert.True(c.AsObject().ContainsKey("usage") && c["usage"] is null));
        Assert.Empty(chunks[^1]["choices"]!.AsArray());
        Assert.True((int)chunks[^1]["usage"]!["completion_tokens"]! > 0);
    }
}
