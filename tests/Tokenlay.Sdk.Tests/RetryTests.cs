using Microsoft.AspNetCore.Http;
using OpenAI.Chat;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

public class RetryTests
{
    /// <summary>Fails the first <paramref name="failures"/> attempts with <paramref name="status"/>, then succeeds.</summary>
    private static Task<FakeProxy> StartFlakyProxy(int failures, int status, string? retryAfter = "0")
    {
        int attempts = 0;
        return FakeProxy.StartAsync(async (context, _) =>
        {
            if (Interlocked.Increment(ref attempts) <= failures)
            {
                if (retryAfter is not null)
                {
                    context.Response.Headers["Retry-After"] = retryAfter;
                }
                await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.Error("try again", "server_error"), status);
                return;
            }
            await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok"));
        });
    }

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task Transient_failures_are_retried_with_the_same_idempotency_key(int status)
    {
        await using FakeProxy proxy = await StartFlakyProxy(failures: 2, status);
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");

        ChatCompletion reply = await chat.CompleteChatAsync("hi");

        Assert.Equal("ok", reply.Content[0].Text);
        Assert.Equal(3, proxy.RequestCount);
        string?[] keys = proxy.Requests.Select(r => r.Header("x-tokenlay-idempotency-key")).Distinct().ToArray();
        Assert.Single(keys);
        Assert.False(string.IsNullOrEmpty(keys[0]));
    }

    [Fact]
    public async Task Separate_calls_get_separate_idempotency_keys()
    {
        await using FakeProxy proxy = await StartFlakyProxy(failures: 0, 500);
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => chat.CompleteChatAsync("hi")));

        Assert.Equal(50, proxy.Requests.Select(r => r.Header("x-tokenlay-idempotency-key")).Distinct().Count());
    }

    [Fact]
    public async Task Retries_stop_at_max_retries_and_the_last_error_is_thrown_typed()
    {
        await using FakeProxy proxy = await StartFlakyProxy(failures: 100, 503);
        ChatClient chat = TestKeys.Client(proxy, o => o.MaxRetries = 2).GetChatClient("m");

        var error = await Assert.ThrowsAsync<TokenlayServerException>(() => chat.CompleteChatAsync("hi"));

        Assert.Equal(503, error.Status);
        Assert.Equal(3, proxy.RequestCount); // the first try and two retries
    }

    [Fact]
    public async Task A_limit_block_is_never_retried()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            context.Response.Headers["x-tokenlay-rule-action"] = "block";
            context.Response.Headers["Retry-After"] = "0";
            await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.Error("Monthly cost limit reached", "limit_exceeded", "monthly_cost_limit"), 429);
        });
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");

        await Assert.ThrowsAsync<TokenlayLimitExceededException>(() => chat.CompleteChatAsync("hi"));

        Assert.Equal(1, proxy.RequestCount);
    }

    [Fact]
    public async Task A_retry_after_longer_than_the_allowed_wait_ends_the_call_at_once()
    {
        await using FakeProxy proxy = await StartFlakyProxy(failures: 100, 429, retryAfter: "3600");
        ChatClient chat = TestKeys.Client(proxy, o => o.MaxRetryAfter = TimeSpan.FromSeconds(5)).GetChatClient("m");

        var error = await Assert.ThrowsAsync<TokenlayRateLimitException>(() => chat.CompleteChatAsync("hi"));

        Assert.Equal(1, proxy.RequestCount);
        Assert.Equal(TimeSpan.FromHours(1), error.RetryAfter);
    }

    [Fact]
    public async Task Client_errors_are_not_retried()
    {
        await using FakeProxy proxy = await StartFlakyProxy(failures: 100, 400);
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");

        await Assert.ThrowsAsync<TokenlayValidationException>(() => chat.CompleteChatAsync("hi"));

        Assert.Equal(1, proxy.RequestCount);
    }

    [Fact]
    public async Task A_caller_supplied_idempotency_key_is_kept()
    {
        await using FakeProxy proxy = await StartFlakyProxy(failures: 1, 503);
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");
        var options = new System.ClientModel.Primitives.RequestOptions();
        options.SetHeader("x-tokenlay-idempotency-key", "order-42");

        await chat.CompleteChatAsync(System.ClientModel.BinaryContent.Create(BinaryData.FromString("""{"model":"m","messages":[]}""")), options);

        Assert.All(proxy.Requests, r => Assert.Equal("order-42", r.Header("x-tokenlay-idempotency-key")));
        Assert.Equal(2, proxy.RequestCount);
    }
}
