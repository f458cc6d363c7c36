using OpenAI.Chat;
using Tokenlay.Emulator.Metering;

namespace Tokenlay.Emulator.Tests;

/// <summary>
/// Forward mode against a real upstream: a second emulator in simulate mode plays the provider,
/// with the provider key as its own key.
/// </summary>
public class ForwardingTests
{
    private const string ProviderKey = "sk-upstream-provider-key-123456";

    [Fact]
    public async Task Calls_are_relayed_with_the_provider_key_and_metered()
    {
        await using TokenlayEmulator provider = await Emu.StartAsync(configure: o => o.Key = ProviderKey);
        await using TokenlayEmulator proxy = await Emu.StartAsync(configure: o => o.Forward = true);
        ChatClient chat = Emu.Chat(proxy, "gpt-4o-mini", o =>
        {
            o.ProviderApiKey = ProviderKey;
            o.ProviderApiBase = new Uri(provider.BaseUrl, "v1");
        });

        ChatCompletion reply = await Emu.AsUser(chat, "fwd");

        Assert.Contains("Hello from the Tokenlay emulator", reply.Content[0].Text);
        Assert.Single(provider.Store.Snapshot());
        CallLogEntry metered = Assert.Single(proxy.Store.Snapshot());
        Assert.Equal("fwd", metered.User);
        Assert.Equal(reply.Usage.InputTokenCount, metered.InputTokens);
        Assert.Equal(reply.Usage.OutputTokenCount, metered.OutputTokens);
    }

    [Fact]
    public async Task A_stream_is_relayed_chunk_by_chunk_and_metered_from_the_usage_it_asked_for()
    {
        await using TokenlayEmulator provider = await Emu.StartAsync(configure: o =>
        {
            o.Key = ProviderKey;
            o.SimulatedChunkDelay = TimeSpan.FromMilliseconds(40);
        });
        await using TokenlayEmulator proxy = await Emu.StartAsync(configure: o => o.Forward = true);
        using HttpClient http = Emu.Http(proxy);
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            // A caller that did not ask for usage: the proxy asks on its own so it can meter.
            Content = Emu.Json("""{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"one two three four five six"}]}"""),
        };
        request.Headers.Add("x-tokenlay-provider-key", ProviderKey);
        request.Headers.Add("x-tokenlay-provider-base", new Uri(provider.BaseUrl, "v1").ToString());

        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var arrivals = new List<TimeSpan>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                arrivals.Add(clock.Elapsed);
            }
        }

        Assert.True(arrivals.Count > 10);
        // Relayed as they came: the chunks are spread over the provider's pacing, not all at the end.
        Assert.True(arrivals[^1] - arrivals[0] > TimeSpan.FromMilliseconds(200), $"spread {arrivals[^1] - arrivals[0]}");
        CallLogEntry metered = proxy.Store.Snapshot().Single();
        Assert.True(metered.OutputTokens > 0);
        Assert.True(metered.Stream);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_usage_chunk_the_proxy_asked_for_reaches_only_callers_who_asked_for_it(bool callerAsks)
    {
        await using TokenlayEmulator provider = await Emu.StartAsync(configure: o => o.Key = ProviderKey);
        await using TokenlayEmulator proxy = await Emu.StartAsync(configure: o => o.Forward = true);
        using HttpClient http = Emu.Http(proxy);
        string streamOptions = callerAsks ? ""","stream_options":{"include_usage":true}""" : "";
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Emu.Json("""{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"count my tokens"}]""" + streamOptions + "}"),
        };
        request.Headers.Add("x-tokenlay-provider-key", ProviderKey);
        request.Headers.Add("x-tokenlay-provider-base", new Uri(provider.BaseUrl, "v1").ToString());

        using HttpResponseMessage response = await http.SendAsync(request);
        string[] chunks = (await response.Content.ReadAsStringAsync()).Split('\n')
            .Where(l => l.StartsWith("data: {", StringComparison.Ordinal)).Select(l => l[6..]).ToArray();

        bool usageChunkRelayed = chunks.Any(c => c.Contains("\"choices\":[]", StringComparison.Ordinal) && c.Contains("\"usage\":{", StringComparison.Ordinal));
        Assert.Equal(callerAsks, usageChunkRelayed);
        Assert.All(chunks.Where(c => !c.Contains("\"usage\":{", StringComparison.Ordinal)), c => Assert.Contains("\"choices\":[{", c));
        CallLogEntry metered = proxy.Store.Snapshot().Single();
        Assert.True(metered.InputTokens > 0 && metered.OutputTokens > 0, "metered from the usage chunk either way");
    }

    [Fact]
    public async Task A_provider_error_comes_back_as_a_provider_exception()
    {
        await using TokenlayEmulator provider = await Emu.StartAsync(configure: o => o.Key = ProviderKey);
        await using TokenlayEmulator proxy = await Emu.StartAsync(configure: o => o.Forward = true);
        ChatClient chat = Emu.Chat(proxy, "gpt-4o-mini", o =>
        {
            o.ProviderApiKey = "sk-wrong-provider-key-000000";
            o.ProviderApiBase = new Uri(provider.BaseUrl, "v1");
        });

        var error = await Assert.ThrowsAsync<TokenlayProviderException>(() => chat.CompleteChatAsync("hi"));

        Assert.Equal(401, error.Status);
        Assert.Equal(TokenlayErrorSource.Provider, error.ErrorSource);
        Assert.False(proxy.Store.Snapshot().Single().Success);
    }

    [Fact]
    public async Task An_unreachable_provider_is_a_502_provider_error()
    {
        await using TokenlayEmulator proxy = await Emu.StartAsync(configure: o => o.Forward = true);
        ChatClient chat = Emu.Chat(proxy, "gpt-4o-mini", o => o.ProviderApiBase = new Uri("http://127.0.0.1:1/v1"));

        var error = await Assert.ThrowsAsync<TokenlayProviderException>(() => chat.CompleteChatAsync("hi"));

        Assert.Equal(502, error.Status);
    }
}
