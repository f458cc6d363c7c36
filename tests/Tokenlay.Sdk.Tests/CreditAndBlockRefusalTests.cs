using System.Text.Json;
using OpenAI.Chat;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

/// <summary>
/// The credit (402) and blocklist (403 subject_blocked) refusals: typed by their error code even though
/// they carry x-tokenlay-rule-action: block, never retried, and the credit headers read into the response info.
/// </summary>
public class CreditAndBlockRefusalTests
{
    private static readonly Dictionary<string, string> s_blockHeaders = new() { ["x-tokenlay-rule-action"] = "block", ["x-tokenlay-request-id"] = "req_1", ["Retry-After"] = "0" };

    internal static string CreditsBody(string code = "insufficient_credits") => JsonSerializer.Serialize(new
    {
        error = new
        {
            message = "The credit balance does not cover this call.", type = "insufficient_credits", code,
            tokenlay = new { rule_id = "paid", credits = new { account = "user:bob", available = 4.25m, required = 61.5m } },
        },
    });

    internal static string BlockedBody() => JsonSerializer.Serialize(new
    {
        error = new
        {
            message = "user:mallory is blocked.", type = "blocked", code = "subject_blocked",
            tokenlay = new { block = new { subject = "user:mallory", reason = "card fraud", until = "2026-12-31T00:00:00Z" } },
        },
    });

    [Fact]
    public async Task A_402_with_the_block_header_is_an_insufficient_credits_exception_not_a_limit_and_is_not_retried()
    {
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(402, CreditsBody(), s_blockHeaders);
        ChatClient chat = TokenlayOpenAIClient.Create(proxy.Options(o => o.MaxRetries = 3)).GetChatClient("m");

        var e = await Assert.ThrowsAsync<TokenlayInsufficientCreditsException>(() => chat.CompleteChatAsync("hi"));

        Assert.Equal(1, proxy.RequestCount);
        Assert.Equal("user:bob", e.Account);
        Assert.Equal(4.25m, e.Available);
        Assert.Equal(61.5m, e.Required);
        Assert.Contains("not retried", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unpriced_model_on_a_credit_account_is_an_insufficient_credits_exception_too()
    {
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(402, CreditsBody("credits_unpriced_model"), s_blockHeaders);
        ChatClient chat = TokenlayOpenAIClient.Create(proxy.Options()).GetChatClient("m");

        var e = await Assert.ThrowsAsync<TokenlayInsufficientCreditsException>(() => chat.CompleteChatAsync("hi"));

        Assert.Equal(TokenlayInsufficientCreditsException.UnpricedModelCode, e.ErrorCode);
    }

    [Fact]
    public async Task A_403_subject_blocked_with_the_block_header_is_a_blocked_exception_and_is_not_retried()
    {
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(403, BlockedBody(), s_blockHeaders);
        ChatClient chat = TokenlayOpenAIClient.Create(proxy.Options(o => o.MaxRetries = 3)).GetChatClient("m");

        var e = await Assert.ThrowsAsync<TokenlayBlockedException>(() => chat.CompleteChatAsync("hi"));

        Assert.Equal(1, proxy.RequestCount);
        Assert.IsAssignableFrom<TokenlayPermissionDeniedException>(e);
        Assert.Equal("user:mallory", e.Subject);
        Assert.Equal("card fraud", e.Reason);
        Assert.Equal(new DateTimeOffset(2026, 12, 31, 0, 0, 0, TimeSpan.Zero), e.Until);
    }

    [Fact]
    public async Task A_plain_403_stays_a_permission_denied_exception()
    {
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(403, OpenAIReplies.Error("not allowed", "permission_error"),
            new Dictionary<string, string> { ["x-tokenlay-request-id"] = "req_2" });
        ChatClient chat = TokenlayOpenAIClient.Create(proxy.Options()).GetChatClient("m");

        var e = await Assert.ThrowsAsync<TokenlayPermissionDeniedException>(() => chat.CompleteChatAsync("hi"));

        Assert.IsNotType<TokenlayBlockedException>(e);
    }

    [Fact]
    public async Task The_credit_headers_are_read_exactly_and_a_negative_remaining_balance_under_overage_is_kept()
    {
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(200, OpenAIReplies.ChatCompletion("hi"),
            new Dictionary<string, string> { ["x-tokenlay-credits-used"] = "12.345678", ["x-tokenlay-credits-remaining"] = "-3.5" });
        ChatClient chat = TokenlayOpenAIClient.Create(proxy.Options()).GetChatClient("m");

        TokenlayResponseInfo info = (await chat.CompleteChatAsync("hi")).GetRawResponse().GetTokenlayInfo();

        Assert.Equal(12.345678m, info.CreditsUsed);
        Assert.Equal(-3.5m, info.CreditsRemaining);
        Assert.Contains("credits_used=12.345678", info.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_stream_summary_carries_the_credits()
    {
        TokenlayResponseInfo info = TokenlayModelFactory.ResponseInfo(requestId: "req_1")
            .WithStreamSummary("""{"input_tokens": 5, "output_tokens": 7, "credits_used": 12, "credits_remaining": 988.5}"""u8);

        Assert.Equal(12m, info.CreditsUsed);
        Assert.Equal(988.5m, info.CreditsRemaining);
    }
}
