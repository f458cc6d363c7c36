using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI.Chat;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

public class ScopeTests
{
    // Echoes the attributed user back as the reply, so a caller can check its own attribution.
    private static Task<FakeProxy> StartUserEchoProxy() => FakeProxy.StartAsync((context, request) =>
        OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion(request.Header("x-tokenlay-user") ?? "(none)")));

    [Fact]
    public async Task A_scope_attributes_calls_made_inside_it()
    {
        await using FakeProxy proxy = await StartUserEchoProxy();
        ChatClient chat = TestKeys.Client(proxy, o => o.Metadata["user"] = "default").GetChatClient("m");

        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "alice", Feature = "summary" }))
        {
            await chat.CompleteChatAsync("hi");
        }

        Assert.Equal("alice", proxy.LastRequest.Header("x-tokenlay-user"));
        Assert.Equal("summary", proxy.LastRequest.Header("x-tokenlay-feature"));
    }

    [Fact]
    public async Task Disposing_a_scope_restores_the_client_defaults()
    {
        await using FakeProxy proxy = await StartUserEchoProxy();
        ChatClient chat = TestKeys.Client(proxy, o => o.Metadata["user"] = "default").GetChatClient("m");

        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "alice", Feature = "summary" }))
        {
        }
        await chat.CompleteChatAsync("hi");

        Assert.Equal("default", proxy.LastRequest.Header("x-tokenlay-user"));
        Assert.Null(proxy.LastRequest.Header("x-tokenlay-feature"));
    }

    // The rule: attribution is captured when a call starts. A task started inside a scope that calls
    // after the scope is disposed is not attributed to it; begin a scope inside long-running work.
    [Fact]
    public async Task A_call_started_after_its_scope_was_disposed_is_not_attributed_even_from_a_task_begun_inside_it()
    {
        await using FakeProxy proxy = await StartUserEchoProxy();
        ChatClient chat = TestKeys.Client(proxy, o => o.Metadata["user"] = "default").GetChatClient("m");
        var scopeEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task background;

        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "alice" }))
        {
            background = Task.Run(async () =>
            {
                await scopeEnded.Task;
                await chat.CompleteChatAsync("later");
            });
        }
        scopeEnded.SetResult();
        await background;

        Assert.Equal("default", proxy.LastRequest.Header("x-tokenlay-user"));
    }

    [Fact]
    public async Task A_call_started_inside_a_scope_keeps_its_attribution_on_retries_after_the_scope_ends()
    {
        int attempts = 0;
        var firstAttemptSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var scopeEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                firstAttemptSeen.SetResult();
                await scopeEnded.Task;
                await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.Error("busy", "server_error"), 503);
                return;
            }
            await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok"));
        });
        ChatClient chat = TestKeys.Client(proxy, o => o.Metadata["user"] = "default").GetChatClient("m");
        Task call;

        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "alice" }))
        {
            call = chat.CompleteChatAsync("hi");
            await firstAttemptSeen.Task;
        }
        scopeEnded.SetResult();
        await call;

        Assert.Equal(2, proxy.RequestCount);
        Assert.All(proxy.Requests, r => Assert.Equal("alice", r.Header("x-tokenlay-user")));
    }

    [Fact]
    public async Task Nested_scopes_override_key_by_key()
    {
        await using FakeProxy proxy = await StartUserEchoProxy();
        ChatClient chat = TestKeys.Client(proxy, o =>
        {
            o.Metadata["user"] = "default-user";
            o.Metadata["plan"] = "free";
            o.Metadata["project"] = "default-project";
        }).GetChatClient("m");

        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "outer-user", Org = "outer-org", Metadata = { ["region"] = "eu" } }))
        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "inner-user", Plan = "pro", Metadata = { ["region"] = "us" } }))
        {
            await chat.CompleteChatAsync("hi");
        }

        RecordedRequest request = proxy.LastRequest;
        Assert.Equal("inner-user", request.Header("x-tokenlay-user"));       // inner beats outer
        Assert.Equal("outer-org", request.Header("x-tokenlay-org"));         // outer kept where inner is silent
        Assert.Equal("pro", request.Header("x-tokenlay-plan"));              // inner beats defaults
        Assert.Equal("default-project", request.Header("x-tokenlay-project")); // defaults kept where scopes are silent
        Assert.Equal("us", request.Header("x-tokenlay-region"));
    }

    [Fact]
    public async Task Disposing_scopes_out_of_order_leaves_only_live_scopes_in_effect()
    {
        await using FakeProxy proxy = await StartUserEchoProxy();
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");

        IDisposable outer = TokenlayScope.Begin(new TokenlayRequestContext { User = "outer", Org = "outer-org" });
        IDisposable inner = TokenlayScope.Begin(new TokenlayRequestContext { User = "inner" });
        outer.Dispose(); // out of order: the inner scope is still open

        await chat.CompleteChatAsync("hi");
        Assert.Equal("inner", proxy.LastRequest.Header("x-tokenlay-user"));
        Assert.Null(proxy.LastRequest.Header("x-tokenlay-org"));

        inner.Dispose();
        await chat.CompleteChatAsync("hi");
        Assert.Null(proxy.LastRequest.Header("x-tokenlay-user"));

        inner.Dispose(); // twice is harmless
        outer.Dispose();
        await chat.CompleteChatAsync("hi");
        Assert.Null(proxy.LastRequest.Header("x-tokenlay-user"));
    }

    [Fact]
    public async Task A_scope_flows_into_calls_made_deep_inside_other_code_and_tasks()
    {
        await using FakeProxy proxy = await StartUserEchoProxy();
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");

        // Stands in for a library that calls OpenAI without ever seeing a RequestOptions.
        static async Task<string> ThirdPartyLibrary(ChatClient client)
        {
            await Task.Yield();
            return await Task.Run(async () => (await client.CompleteChatAsync("deep")).Value.Content[0].Text);
        }

        string reply;
        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "deep-user" }))
        {
            reply = await ThirdPartyLibrary(chat);
        }

        Assert.Equal("deep-user", reply);
    }

    [Fact]
    public async Task Per_call_request_options_beat_every_scope()
    {
        await using FakeProxy proxy = await StartUserEchoProxy();
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");
        var options = new RequestOptions().AddTokenlayContext(new TokenlayRequestContext { User = "per-call" });

        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "scoped", Org = "scoped-org" }))
        {
            BinaryContent body = BinaryContent.Create(BinaryData.FromString("""{"model":"m","messages":[{"role":"user","content":"hi"}]}"""));
            await chat.CompleteChatAsync(body, options);
        }

        Assert.Equal("per-call", proxy.LastRequest.Header("x-tokenlay-user"));
        Assert.Equal("scoped-org", proxy.LastRequest.Header("x-tokenlay-org"));
    }

    [Fact]
    public async Task A_scope_can_bring_the_customers_own_provider_key_and_base()
    {
        await using FakeProxy proxy = await StartUserEchoProxy();
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");

        using (TokenlayScope.Begin(new TokenlayRequestContext { ProviderApiKey = TestKeys.CustomerProvider, ProviderApiBase = new Uri("https://api.together.xyz/v1") }))
        {
            await chat.CompleteChatAsync("hi");
        }
        Assert.Equal(TestKeys.CustomerProvider, proxy.LastRequest.Header("x-tokenlay-provider-key"));
        Assert.Equal("https://api.together.xyz/v1", proxy.LastRequest.Header("x-tokenlay-provider-base"));

        await chat.CompleteChatAsync("hi");
        Assert.Equal(TestKeys.Provider, proxy.LastRequest.Header("x-tokenlay-provider-key"));
    }

    [Fact]
    public async Task A_thousand_concurrent_calls_with_distinct_users_are_each_attributed_to_their_own_user()
    {
        await using FakeProxy proxy = await StartUserEchoProxy();
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");
        const int Calls = 1_200;

        async Task<(string Expected, string Seen)> CallAs(int i)
        {
            string user = "user-" + i;
            using (TokenlayScope.Begin(new TokenlayRequestContext { User = user }))
            {
                await Task.Yield(); // let the flows interleave
                using (TokenlayScope.Begin(new TokenlayRequestContext { Feature = "f" + (i % 7) }))
                {
                    ChatCompletion reply = await chat.CompleteChatAsync("hi");
                    return (user, reply.Content[0].Text);
                }
            }
        }

        (string Expected, string Seen)[] results = await Task.WhenAll(Enumerable.Range(0, Calls).Select(CallAs));

        Assert.Equal(Calls, proxy.RequestCount);
        Assert.All(results, r => Assert.Equal(r.Expected, r.Seen));
        Assert.Equal(Calls, proxy.Requests.Select(r => r.Header("x-tokenlay-user")).Distinct().Count());
    }
}
