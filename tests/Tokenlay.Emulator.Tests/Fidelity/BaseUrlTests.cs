using OpenAI.Chat;
using Tokenlay.Companion;

namespace Tokenlay.Emulator.Tests.Fidelity;

/// <summary>Issue 25, item 7: a base URL ending in /v1 (as the emulator's banner prints it) is the same base; another path is named in the 404.</summary>
public class BaseUrlTests
{
    [Theory]
    [InlineData("v1")]
    [InlineData("v1/")]
    public async Task A_base_url_ending_in_v1_reaches_the_same_api(string suffix)
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        var baseUrl = new Uri(emulator.BaseUrl, suffix);
        ChatClient chat = Emu.Chat(emulator, configure: o => o.TokenlayBaseUrl = baseUrl);
        var tokenlay = new TokenlayClient(new TokenlayOptions { TokenlayKey = emulator.Key, TokenlayBaseUrl = baseUrl });

        ChatCompletion reply = await chat.CompleteChatAsync("hello through /v1");
        TokenlayUsage usage = await tokenlay.Usage.GetAsync(new TokenlayUsageQuery());

        Assert.Contains("hello through /v1", reply.Content[0].Text, StringComparison.Ordinal);
        Assert.Equal(1, usage.Totals.Requests);
    }

    [Fact]
    public async Task A_base_url_with_another_path_that_is_not_found_names_the_setting()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        var baseUrl = new Uri(emulator.BaseUrl, "proxy/");
        ChatClient chat = Emu.Chat(emulator, configure: o => o.TokenlayBaseUrl = baseUrl);

        var error = await Assert.ThrowsAsync<TokenlayNotFoundException>(() => chat.CompleteChatAsync("hi"));

        Assert.Contains("TokenlayOptions.TokenlayBaseUrl (TOKENLAY_BASE_URL)", error.Message);
        Assert.Contains(baseUrl.ToString(), error.Message);
        Assert.DoesNotContain(emulator.Key, error.Message);
    }
}
