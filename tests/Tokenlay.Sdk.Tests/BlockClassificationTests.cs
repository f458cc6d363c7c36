using System.Text.Json;
using OpenAI.Chat;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

/// <summary>A rule block is recognised from its body as well as from its header, and never retried.</summary>
public class BlockClassificationTests
{
    private static string LimitBody(bool withLimit) => JsonSerializer.Serialize(new
    {
        error = new
        {
            message = "Daily request limit reached",
            type = withLimit ? "requests_exceeded" : "limit_exceeded",
            code = "daily_request_limit",
            tokenlay = withLimit ? new { rule_id = "free", limit = new { type = "requests", window = "day", per = "user", current = 10, max = 10 } } : null,
        },
    });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_429_block_without_the_rule_action_header_is_not_retried(bool saidByLimitObject)
    {
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(429, LimitBody(saidByLimitObject), new Dictionary<string, string> { ["Retry-After"] = "0" });
        ChatClient chat = TokenlayOpenAIClient.Create(proxy.Options(o => o.MaxRetries = 3)).GetChatClient("m");

        var error = await Assert.ThrowsAsync<TokenlayLimitExceededException>(() => chat.CompleteChatAsync("hi"));

        Assert.Equal(1, proxy.RequestCount);
        Assert.Contains("not retried", error.Message);
    }

    [Fact]
    public async Task A_streamed_call_blocked_without_the_header_is_not_retried_either()
    {
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(429, LimitBody(false), new Dictionary<string, string> { ["Retry-After"] = "0" });
        ChatClient chat = TokenlayOpenAIClient.Create(proxy.Options(o => o.MaxRetries = 3)).GetChatClient("m");

        await Assert.ThrowsAsync<TokenlayLimitExceededException>(async () =>
        {
            await foreach (StreamingChatCompletionUpdate _ in chat.CompleteChatStreamingAsync("hi"))
            {
            }
        });

        Assert.Equal(1, proxy.RequestCount);
    }

    [Fact]
    public async Task A_plain_rate_limit_is_still_retried()
    {
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(429, OpenAIReplies.Error("slow down", "rate_limit_error"), new Dictionary<string, string> { ["Retry-After"] = "0" });
        ChatClient chat = TokenlayOpenAIClient.Create(proxy.Options(o => o.MaxRetries = 2)).GetChatClient("m");

        await Assert.ThrowsAsync<TokenlayRateLimitException>(() => chat.CompleteChatAsync("hi"));

        Assert.Equal(3, proxy.RequestCount);
    }
}
