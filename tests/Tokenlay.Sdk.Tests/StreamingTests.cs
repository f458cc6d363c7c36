using Microsoft.AspNetCore.Http;
using OpenAI.Chat;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

public class StreamingTests
{
    [Fact]
    public async Task The_first_chunk_reaches_the_caller_before_the_proxy_sends_the_rest()
    {
        // The proxy sends one chunk and then waits until the caller says it has seen it. If anything
        // buffered the stream, the caller could not see it and the proxy would give up waiting.
        var callerSawFirstChunk = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool proxyGaveUp = false;
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await OpenAIReplies.WriteSseEventAsync(context, OpenAIReplies.ChatChunk("first"));
            Task finished = await Task.WhenAny(callerSawFirstChunk.Task, Task.Delay(TimeSpan.FromSeconds(15)));
            proxyGaveUp = finished != callerSawFirstChunk.Task;
            await OpenAIReplies.WriteSseEventAsync(context, OpenAIReplies.ChatChunk(" last"));
            await OpenAIReplies.WriteSseEventAsync(context, "[DONE]");
        });
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");

        var parts = new List<string>();
        await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync("hi"))
        {
            foreach (ChatMessageContentPart part in update.ContentUpdate)
            {
                parts.Add(part.Text);
                callerSawFirstChunk.TrySetResult();
            }
        }

        Assert.False(proxyGaveUp, "the first chunk was held back until the stream ended");
        Assert.Equal(new[] { "first", " last" }, parts);
    }

    [Fact]
    public async Task A_streaming_call_that_is_refused_throws_the_typed_exception_with_the_body_read()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            context.Response.Headers["x-tokenlay-rule-action"] = "block";
            await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.Error("Daily token limit reached", "limit_exceeded", "daily_tokens"), 429);
        });
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");

        var error = await Assert.ThrowsAsync<TokenlayLimitExceededException>(async () =>
        {
            await foreach (StreamingChatCompletionUpdate _ in chat.CompleteChatStreamingAsync("hi"))
            {
            }
        });

        Assert.Equal("daily_tokens", error.ErrorCode);
        Assert.StartsWith("Daily token limit reached", error.Message);
        Assert.Equal(1, proxy.RequestCount);
    }

    [Fact]
    public async Task A_scope_callback_gives_a_streaming_call_its_tokenlay_info()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            context.Response.Headers["x-tokenlay-request-id"] = "req_stream";
            context.Response.Headers["x-tokenlay-model"] = "gpt-4o-mini";
            context.Response.ContentType = "text/event-stream";
            await OpenAIReplies.WriteSseEventAsync(context, OpenAIReplies.ChatChunk("x"));
            await OpenAIReplies.WriteSseEventAsync(context, "[DONE]");
        });
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("gpt-4o");
        TokenlayResponseInfo? info = null;

        using (TokenlayScope.Begin(new TokenlayRequestContext { OnResponse = i => info = i }))
        {
            await foreach (StreamingChatCompletionUpdate _ in chat.CompleteChatStreamingAsync("hi"))
            {
            }
        }

        Assert.Equal("req_stream", info?.RequestId);
        Assert.Equal("gpt-4o-mini", info?.Model);
    }
}

public class StreamCallbackTimingTests
{
    [Fact]
    public async Task Without_a_summary_on_response_runs_after_the_last_update_even_when_the_stream_came_in_one_read()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            context.Response.Headers["x-tokenlay-request-id"] = "req_one_read";
            context.Response.ContentType = "text/event-stream";
            // One write: the whole stream arrives in one read, so the end is known before any update is handed over.
            string body = string.Concat(Enumerable.Range(0, 5).Select(i => "data: " + OpenAIReplies.ChatChunk("part" + i) + "\n\n")) + "data: [DONE]\n\n";
            await context.Response.WriteAsync(body);
        });
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");
        int received = 0;
        int? receivedWhenReported = null;

        using (TokenlayScope.Begin(new TokenlayRequestContext { OnResponse = _ => receivedWhenReported = received }))
        {
            await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync("hi"))
            {
                received += update.ContentUpdate.Count;
            }
        }

        Assert.Equal(5, received);
        Assert.Equal(5, receivedWhenReported);
    }
}
