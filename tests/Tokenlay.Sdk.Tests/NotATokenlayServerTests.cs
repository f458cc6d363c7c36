using OpenAI.Chat;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

/// <summary>
/// Pointed at something that is not a Tokenlay proxy, every failure is a TokenlayException whose
/// message names the URL called and the setting to check.
/// </summary>
public class NotATokenlayServerTests
{
    [Fact]
    public async Task A_200_html_page_is_a_typed_error_naming_the_url_and_the_base_url_setting()
    {
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(200, "<html><body>Sign in to the corporate portal</body></html>", contentType: "text/html; charset=utf-8");
        ChatClient chat = TokenlayOpenAIClient.Create(proxy.Options()).GetChatClient("m");

        var error = await Assert.ThrowsAsync<TokenlayException>(() => chat.CompleteChatAsync("hi"));

        Assert.Equal(200, error.Status);
        Assert.Contains(proxy.BaseUrl + "v1/chat/completions", error.Message);
        Assert.Contains("TokenlayOptions.TokenlayBaseUrl", error.Message);
    }

    [Fact]
    public async Task A_plain_404_names_the_url_and_the_base_url_setting()
    {
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(404, "Not Found", contentType: "text/plain");
        ChatClient chat = TokenlayOpenAIClient.Create(proxy.Options()).GetChatClient("m");

        var error = await Assert.ThrowsAsync<TokenlayNotFoundException>(() => chat.CompleteChatAsync("hi"));

        Assert.Contains("POST " + proxy.BaseUrl + "v1/chat/completions", error.Message);
        Assert.Contains("TokenlayOptions.TokenlayBaseUrl (TOKENLAY_BASE_URL)", error.Message);
    }

    [Fact]
    public async Task The_companion_client_names_the_url_of_a_body_it_cannot_read()
    {
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(200, "<html>hello</html>", contentType: "text/html");
        var client = new TokenlayClient(proxy.Options());

        var error = await Assert.ThrowsAsync<TokenlayException>(() => client.CheckHealthAsync());

        Assert.Contains(proxy.BaseUrl + "v1/health", error.Message);
        Assert.Contains("TokenlayOptions.TokenlayBaseUrl", error.Message);
    }

    [Fact]
    public async Task A_connection_failure_names_the_url_and_the_setting()
    {
        int port = ClosedPort.Get();
        var options = new TokenlayOptions { TokenlayKey = TestKeys.Tokenlay, TokenlayBaseUrl = new Uri($"http://127.0.0.1:{port}"), MaxRetries = 0 };

        var error = await Assert.ThrowsAsync<TokenlayConnectionException>(() => TokenlayOpenAIClient.Create(options).GetChatClient("m").CompleteChatAsync("hi"));

        Assert.Contains($"POST http://127.0.0.1:{port}/v1/chat/completions", error.Message);
        Assert.Contains("TokenlayOptions.TokenlayBaseUrl (TOKENLAY_BASE_URL)", error.Message);
    }
}
