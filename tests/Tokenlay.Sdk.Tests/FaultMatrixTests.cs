using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using OpenAI.Chat;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

/// <summary>
/// What the proxy can do wrong, case by case: each must end in the documented exception or result,
/// quickly, without leaking a connection or showing a key.
/// </summary>
public class FaultMatrixTests
{
    private static readonly TimeSpan NoHang = TimeSpan.FromSeconds(20);

    /// <summary>Runs the call, fails the test if it hangs, and returns what it threw (null if nothing).</summary>
    private static async Task<Exception?> Within(Func<Task> call)
    {
        Task task = call();
        Task finished = await Task.WhenAny(task, Task.Delay(NoHang));
        Assert.True(finished == task, $"the call did not end within {NoHang}");
        try
        {
            await task;
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static ChatClient Chat(FakeProxy proxy, int maxRetries = 2, TimeSpan? timeout = null) =>
        TestKeys.Client(proxy, o =>
        {
            o.MaxRetries = maxRetries;
            o.NetworkTimeout = timeout ?? TimeSpan.FromSeconds(5);
        }).GetChatClient("m");

    private static void AssertNoKey(Exception error)
    {
        string text = error.ToString();
        Assert.DoesNotContain(TestKeys.Tokenlay, text);
        Assert.DoesNotContain(TestKeys.Provider, text);
    }

    public static TheoryData<int, bool, Type, int> Statuses => new()
    {
        // status, Retry-After sent, expected exception, attempts with MaxRetries = 2
        { 400, false, typeof(TokenlayValidationException), 1 },
        { 401, false, typeof(TokenlayAuthenticationException), 1 },
        { 403, false, typeof(TokenlayPermissionDeniedException), 1 },
        { 404, false, typeof(TokenlayNotFoundException), 1 },
        { 409, false, typeof(TokenlayConflictException), 1 },
        { 422, false, typeof(TokenlayValidationException), 1 },
        { 429, true, typeof(TokenlayRateLimitException), 3 },
        { 429, false, typeof(TokenlayRateLimitException), 3 },
        { 500, false, typeof(TokenlayServerException), 3 },
        { 503, true, typeof(TokenlayServerException), 3 },
        { 504, false, typeof(TokenlayServerException), 3 },
    };

    [Theory]
    [MemberData(nameof(Statuses))]
    public async Task Each_error_status_ends_in_its_typed_exception_after_the_documented_attempts(int status, bool retryAfter, Type expected, int attempts)
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            if (retryAfter)
            {
                context.Response.Headers["Retry-After"] = "0";
            }
            await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.Error($"status {status} from the fault matrix", "fault"), status);
        });
        ChatClient chat = Chat(proxy);

        for (int call = 0; call < 4; call++)
        {
            Exception? error = await Within(() => chat.CompleteChatAsync("hi"));
            Assert.IsType(expected, error);
            Assert.Equal(status, ((TokenlayException)error!).Status);
            AssertNoKey(error);
        }

        Assert.Equal(4 * attempts, proxy.RequestCount);
        Assert.True(proxy.ConnectionsOpened <= 2, $"connections are not being reused ({proxy.ConnectionsOpened} opened): a response was leaked");
    }

    [Fact]
    public async Task A_502_html_page_is_a_server_exception_with_an_excerpt_after_retries()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            context.Response.StatusCode = 502;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>");
        });

        var error = Assert.IsType<TokenlayServerException>(await Within(() => Chat(proxy).CompleteChatAsync("hi")));

        Assert.Contains("502 Bad Gateway nginx", error.Message);
        Assert.Equal(3, proxy.RequestCount);
    }

    [Fact]
    public async Task A_reset_connection_is_a_connection_exception_after_retries()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        });

        var error = Assert.IsType<TokenlayConnectionException>(await Within(() => Chat(proxy).CompleteChatAsync("hi")));

        Assert.Equal(0, error.Status);
        Assert.Equal(3, proxy.RequestCount);
        Assert.Contains("3 attempts", error.Message);
        Assert.IsType<AggregateException>(error.InnerException); // every attempt's failure is kept
        AssertNoKey(error);
    }

    [Fact]
    public async Task A_body_cut_off_mid_json_is_a_connection_exception_not_a_parse_error()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            string json = OpenAIReplies.ChatCompletion("this reply never arrives whole");
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = json.Length;
            await context.Response.WriteAsync(json[..(json.Length / 2)]);
            await context.Response.Body.FlushAsync();
            context.Abort();
        });

        Exception? error = await Within(() => Chat(proxy, maxRetries: 0).CompleteChatAsync("hi"));

        Assert.IsType<TokenlayConnectionException>(error);
        AssertNoKey(error!);
    }

    [Fact]
    public async Task A_slow_loris_body_beyond_the_network_timeout_is_a_timeout_exception()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = 10_000;
            for (int i = 0; i < 100 && !context.RequestAborted.IsCancellationRequested; i++)
            {
                await context.Response.WriteAsync(" ", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(200, context.RequestAborted);
            }
        });
        var clock = Stopwatch.StartNew();

        Exception? error = await Within(() => Chat(proxy, maxRetries: 0, timeout: TimeSpan.FromMilliseconds(700)).CompleteChatAsync("hi"));

        Assert.IsType<TokenlayTimeoutException>(error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_stream_cut_off_mid_event_is_a_connection_exception_after_what_arrived()
    {
        // The cut waits until the client has the first chunk: a reset makes the kernel drop bytes not yet read.
        var firstSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await OpenAIReplies.WriteSseEventAsync(context, OpenAIReplies.ChatChunk("first"));
            await firstSeen.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await context.Response.WriteAsync("data: {\"id\":\"chatcmpl-test\",\"obj");
            await context.Response.Body.FlushAsync();
            context.Abort();
        });
        var received = new List<string>();

        Exception? error = await Within(async () =>
        {
            await foreach (StreamingChatCompletionUpdate update in Chat(proxy).CompleteChatStreamingAsync("hi"))
            {
                received.AddRange(update.ContentUpdate.Select(p => p.Text));
                if (received.Count > 0)
                {
                    firstSeen.TrySetResult();
                }
            }
        });

        Assert.Equal(new[] { "first" }, received);              // what arrived before the cut is delivered
        Assert.IsType<TokenlayConnectionException>(error);      // and the cut is reported, not taken for a normal end
        AssertNoKey(error!);
    }

    [Fact]
    public async Task A_stalled_stream_is_ended_by_the_network_timeout_with_a_timeout_exception()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await OpenAIReplies.WriteSseEventAsync(context, OpenAIReplies.ChatChunk("first"));
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        });

        Exception? error = await Within(async () =>
        {
            await foreach (StreamingChatCompletionUpdate _ in Chat(proxy, timeout: TimeSpan.FromMilliseconds(500)).CompleteChatStreamingAsync("hi"))
            {
            }
        });

        Assert.IsType<TokenlayTimeoutException>(error);
        Assert.Contains("stalled", error!.Message);
    }

    [Fact]
    public async Task Cancelling_during_a_stream_ends_it_promptly_and_closes_the_connection()
    {
        var serverSawAbort = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            try
            {
                for (int i = 0; i < 600; i++)
                {
                    await OpenAIReplies.WriteSseEventAsync(context, OpenAIReplies.ChatChunk("tick "));
                    await Task.Delay(50, context.RequestAborted);
                }
                serverSawAbort.TrySetResult(false);
            }
            catch (OperationCanceledException)
            {
                serverSawAbort.TrySetResult(true);
            }
        });
        using var cancel = new CancellationTokenSource();
        int chunks = 0;

        Exception? error = await Within(async () =>
        {
            await foreach (StreamingChatCompletionUpdate _ in Chat(proxy).CompleteChatStreamingAsync([new UserChatMessage("hi")], cancellationToken: cancel.Token))
            {
                if (++chunks == 3)
                {
                    cancel.Cancel();
                }
            }
        });

        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.True(await serverSawAbort.Task.WaitAsync(TimeSpan.FromSeconds(10)), "the server kept streaming to a caller that had cancelled");
    }

    [Fact]
    public async Task After_every_kind_of_fault_the_client_still_works()
    {
        int call = 0;
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            switch (Interlocked.Increment(ref call) % 4)
            {
                case 1:
                    context.Abort();
                    return;
                case 2:
                    await OpenAIReplies.WriteJsonAsync(context, "<html>oops</html>", 502);
                    return;
                case 3:
                    await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.Error("bad", "invalid_request_error"), 400);
                    return;
                default:
                    await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("fine"));
                    return;
            }
        });
        ChatClient chat = Chat(proxy, maxRetries: 0);

        for (int i = 0; i < 12; i++)
        {
            await Within(() => chat.CompleteChatAsync("hi"));
        }

        Assert.Equal(12, proxy.RequestCount);
        Assert.True(proxy.OpenConnections <= 2, $"{proxy.OpenConnections} connections still open");
    }
}
