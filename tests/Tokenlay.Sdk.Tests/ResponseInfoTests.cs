using System.Collections.Concurrent;
using System.ClientModel;
using Microsoft.AspNetCore.Http;
using OpenAI.Chat;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

public class ResponseInfoTests
{
    private static void AddAllTokenlayHeaders(HttpContext context)
    {
        IHeaderDictionary h = context.Response.Headers;
        h["x-tokenlay-request-id"] = "req_123";
        h["x-tokenlay-rule-id"] = "pro-tier";
        h["x-tokenlay-rule-action"] = "downgrade";
        h["x-tokenlay-limit-exceeded"] = "true";
        h["x-tokenlay-cost"] = "0.000123";
        h["x-tokenlay-tokens-used"] = "7";
        h["x-tokenlay-input-tokens"] = "5";
        h["x-tokenlay-output-tokens"] = "2";
        h["x-tokenlay-duration"] = "412";
        h["x-tokenlay-warnings"] = """["80% of monthly budget used","slow down"]""";
        h["x-tokenlay-model"] = "gpt-4o-mini";
    }

    [Fact]
    public async Task Every_tokenlay_response_header_is_parsed()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            AddAllTokenlayHeaders(context);
            await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok"));
        });
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("gpt-4o");

        ClientResult<ChatCompletion> result = await chat.CompleteChatAsync("hi");
        TokenlayResponseInfo info = result.GetTokenlayInfo();

        Assert.Equal(200, info.Status);
        Assert.Equal("req_123", info.RequestId);
        Assert.Equal("pro-tier", info.RuleId);
        Assert.Equal(TokenlayRuleAction.Downgrade, info.RuleAction);
        Assert.True(info.LimitExceeded);
        Assert.Equal(0.000123m, info.CostUsd);
        Assert.Equal(7, info.TokensUsed);
        Assert.Equal(5, info.InputTokens);
        Assert.Equal(2, info.OutputTokens);
        Assert.Equal(TimeSpan.FromMilliseconds(412), info.Duration);
        Assert.Equal(new[] { "80% of monthly budget used", "slow down" }, info.Warnings);
        Assert.Equal("gpt-4o-mini", info.Model);
        Assert.True(info.HasTokenlayHeaders);
        Assert.Equal("req_123", result.GetRawResponse().GetTokenlayInfo().RequestId);
    }

    [Fact]
    public async Task Missing_or_malformed_headers_read_as_null_and_never_fail_the_call()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            context.Response.Headers["x-tokenlay-cost"] = "not-a-number";
            context.Response.Headers["x-tokenlay-tokens-used"] = "1.5e";
            context.Response.Headers["x-tokenlay-warnings"] = "plain text, not JSON";
            context.Response.Headers["x-tokenlay-rule-action"] = "teleport";
            await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok"));
        });

        TokenlayResponseInfo info = (await TestKeys.Client(proxy).GetChatClient("m").CompleteChatAsync("hi")).GetTokenlayInfo();

        Assert.Null(info.CostUsd);
        Assert.Null(info.TokensUsed);
        Assert.Null(info.RequestId);
        Assert.Equal(new[] { "plain text, not JSON" }, info.Warnings);
        Assert.Equal(new TokenlayRuleAction("teleport"), info.RuleAction); // kept as sent
        Assert.Equal("teleport", info.RuleAction?.ToString());
    }

    [Fact]
    public async Task OnResponse_sees_every_call_including_errors_and_streams()
    {
        int calls = 0;
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, request) =>
        {
            AddAllTokenlayHeaders(context);
            switch (Interlocked.Increment(ref calls))
            {
                case 1:
                    await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok"));
                    break;
                case 2:
                    await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.Error("bad", "invalid_request_error"), 400);
                    break;
                default:
                    context.Response.ContentType = "text/event-stream";
                    await OpenAIReplies.WriteSseEventAsync(context, OpenAIReplies.ChatChunk("a"));
                    await OpenAIReplies.WriteSseEventAsync(context, "[DONE]");
                    break;
            }
        });
        var seen = new ConcurrentQueue<TokenlayResponseInfo>();
        ChatClient chat = TestKeys.Client(proxy, o => o.OnResponse = seen.Enqueue).GetChatClient("m");

        await chat.CompleteChatAsync("hi");
        await Assert.ThrowsAsync<TokenlayValidationException>(() => chat.CompleteChatAsync("hi"));
        await foreach (StreamingChatCompletionUpdate _ in chat.CompleteChatStreamingAsync("hi"))
        {
        }

        Assert.Equal(new[] { 200, 400, 200 }, seen.Select(i => i.Status));
        Assert.All(seen, i => Assert.Equal("req_123", i.RequestId));
    }

    [Fact]
    public async Task Scope_callbacks_run_innermost_first_and_only_inside_their_scope()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            AddAllTokenlayHeaders(context);
            await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok"));
        });
        var order = new List<string>();
        ChatClient chat = TestKeys.Client(proxy, o => o.OnResponse = _ => order.Add("client")).GetChatClient("m");

        using (TokenlayScope.Begin(new TokenlayRequestContext { OnResponse = _ => order.Add("outer") }))
        using (TokenlayScope.Begin(new TokenlayRequestContext { OnResponse = _ => order.Add("inner") }))
        {
            await chat.CompleteChatAsync("hi");
        }
        await chat.CompleteChatAsync("hi");

        Assert.Equal(new[] { "inner", "outer", "client", "client" }, order);
    }

    [Fact]
    public void The_model_factory_builds_info_for_consumers_tests()
    {
        TokenlayResponseInfo info = TokenlayModelFactory.ResponseInfo(costUsd: 1.5m, ruleAction: "warn", warnings: new[] { "w" });

        Assert.Equal(1.5m, info.CostUsd);
        Assert.Equal(TokenlayRuleAction.Warn, info.RuleAction);
        Assert.Contains("cost_usd=1.5", info.ToString());
    }
}
