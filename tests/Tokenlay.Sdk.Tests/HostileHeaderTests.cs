using OpenAI.Chat;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

/// <summary>Numbers in response headers that cannot be held are treated as absent, never thrown out of a call.</summary>
public class HostileHeaderTests
{
    [Theory]
    [InlineData("Retry-After", "1e20")]
    [InlineData("Retry-After", "Infinity")]
    [InlineData("Retry-After", "NaN")]
    [InlineData("retry-after-ms", "1e300")]
    [InlineData("retry-after-ms", "-Infinity")]
    public async Task An_unusable_retry_after_on_a_429_gives_the_typed_rate_limit_error_after_normal_backoff(string header, string value)
    {
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(429, OpenAIReplies.Error("slow down", "rate_limit_error"),
            new Dictionary<string, string> { [header] = value, ["x-tokenlay-request-id"] = "req_1" });
        ChatClient chat = TokenlayOpenAIClient.Create(proxy.Options(o => o.MaxRetries = 1)).GetChatClient("m");

        var error = await Assert.ThrowsAsync<TokenlayRateLimitException>(() => chat.CompleteChatAsync("hi"));

        Assert.Null(error.RetryAfter);
        Assert.Equal(2, proxy.RequestCount); // retried once with the client's own back-off
    }

    [Fact]
    public async Task The_companion_client_survives_an_overflowing_retry_after_too()
    {
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(503, OpenAIReplies.Error("busy", "server_error"),
            new Dictionary<string, string> { ["Retry-After"] = "1e20" });
        var client = new TokenlayClient(proxy.Options(o => o.MaxRetries = 1));

        await Assert.ThrowsAsync<TokenlayServerException>(() => client.CheckHealthAsync());

        Assert.Equal(2, proxy.RequestCount);
    }

    [Fact]
    public async Task A_huge_duration_on_a_success_does_not_fail_the_call_and_reads_as_absent()
    {
        TokenlayResponseInfo? seen = null;
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(200, OpenAIReplies.ChatCompletion("ok"),
            new Dictionary<string, string> { ["x-tokenlay-duration"] = "1e300", ["x-tokenlay-request-id"] = "req_2" });
        ChatClient chat = TokenlayOpenAIClient.Create(proxy.Options(o => o.OnResponse = i => seen = i)).GetChatClient("m");

        ChatCompletion reply = await chat.CompleteChatAsync("hi");

        Assert.Equal("ok", reply.Content[0].Text);
        Assert.NotNull(seen);
        Assert.Null(seen!.Duration);
        Assert.Equal("req_2", seen.RequestId);
    }

    [Fact]
    public async Task Negative_cost_and_token_headers_read_as_absent()
    {
        TokenlayResponseInfo? seen = null;
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(200, OpenAIReplies.ChatCompletion("ok"), new Dictionary<string, string>
        {
            ["x-tokenlay-cost"] = "-12.40",
            ["x-tokenlay-tokens-used"] = "-5000000",
            ["x-tokenlay-input-tokens"] = "-1",
            ["x-tokenlay-output-tokens"] = "7",
            ["x-tokenlay-duration"] = "-3",
        });
        ChatClient chat = TokenlayOpenAIClient.Create(proxy.Options(o => o.OnResponse = i => seen = i)).GetChatClient("m");

        await chat.CompleteChatAsync("hi");

        Assert.Equal((null, null, null, 7L, null), (seen!.CostUsd, seen.TokensUsed, seen.InputTokens, seen.OutputTokens, seen.Duration));
    }
}
