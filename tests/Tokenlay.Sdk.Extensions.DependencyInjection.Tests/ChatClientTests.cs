using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Tokenlay.Emulator;
using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Rules;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Hosting.Tests;

/// <summary>Tokenlay inside Microsoft.Extensions.AI, end to end against the emulator.</summary>
public class ChatClientTests
{
    private static ServiceProvider Services(TokenlayEmulator emulator, Action<TokenlayBuilder> configure)
    {
        var services = new ServiceCollection();
        configure(services.AddTokenlay(o =>
        {
            o.TokenlayKey = emulator.Key;
            o.TokenlayBaseUrl = emulator.BaseUrl;
            o.Metadata["project"] = "mea-tests";
        }));
        return services.BuildServiceProvider();
    }

    [Description("Gets the weather for a city.")]
    private static string GetWeather([Description("The city")] string city) => $"Sunny in {city}";

    private static ChatOptions WeatherTools(TokenlayRequestContext context) =>
        new ChatOptions { Tools = [AIFunctionFactory.Create(GetWeather)] }.WithTokenlayContext(context);

    [Fact]
    public async Task AddChatClient_registers_an_IChatClient_and_the_keyed_and_embedding_variants_resolve()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        using ServiceProvider services = Services(emulator, t =>
        {
            t.AddChatClient("gpt-4o-mini");
            t.AddKeyedChatClient("cheap", "gpt-4.1-nano");
            t.AddEmbeddingGenerator("text-embedding-3-small");
            t.AddOpenAIChatClient("gpt-4o-mini");
        });

        ChatResponse plain = await services.GetRequiredService<IChatClient>().GetResponseAsync("hello");
        ChatResponse keyed = await services.GetRequiredKeyedService<IChatClient>("cheap").GetResponseAsync("hello");
        GeneratedEmbeddings<Embedding<float>> embeddings = await services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GenerateAsync(["hello"]);
        Assert.NotNull(services.GetRequiredService<OpenAI.Chat.ChatClient>());

        Assert.Contains("gpt-4o-mini", plain.Text);
        Assert.Contains("gpt-4.1-nano", keyed.Text);
        Assert.Single(embeddings);
        TokenlayResponseInfo info = Assert.IsAssignableFrom<TokenlayResponseInfo>(embeddings.GetTokenlayInfo());
        Assert.Equal(emulator.Store.Snapshot().Last().Id, info.RequestId);
    }

    [Fact]
    public async Task Context_from_ChatOptions_reaches_the_proxy_on_top_of_the_ambient_scope_and_the_info_comes_back()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        using ServiceProvider services = Services(emulator, t => t.AddChatClient("gpt-4o-mini"));
        IChatClient chat = services.GetRequiredService<IChatClient>();
        var options = new ChatOptions().WithTokenlayContext(new TokenlayRequestContext { User = "alice", Feature = "support" });

        ChatResponse response;
        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "bob", Org = "acme" }))
        {
            response = await chat.GetResponseAsync("hello", options);
        }

        CallLogEntry entry = Assert.Single(emulator.Store.Snapshot());
        Assert.Equal(("alice", "acme", "support", "mea-tests"), (entry.User, entry.Org, entry.Feature, entry.Project));
        TokenlayResponseInfo info = response.GetTokenlayInfo()!;
        Assert.Equal(entry.Id, info.RequestId);
        Assert.Equal(entry.InputTokens + entry.OutputTokens, info.TokensUsed);
        Assert.Equal(entry.CostUsd, info.CostUsd);
        Assert.Equal(entry.InputTokens, response.Usage!.InputTokenCount); // the provider's usage stays as reported
    }

    [Fact]
    public async Task A_streamed_call_is_attributed_and_its_final_update_carries_the_info()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions { SimulatedChunkDelay = TimeSpan.FromMilliseconds(2) });
        using ServiceProvider services = Services(emulator, t => t.AddChatClient("gpt-4o-mini"));
        var options = new ChatOptions().WithTokenlayContext(new TokenlayRequestContext { User = "carol" });

        List<ChatResponseUpdate> updates = [];
        await foreach (ChatResponseUpdate update in services.GetRequiredService<IChatClient>().GetStreamingResponseAsync("stream me please", options))
        {
            updates.Add(update);
        }

        CallLogEntry entry = Assert.Single(emulator.Store.Snapshot());
        Assert.Equal("carol", entry.User);
        Assert.Contains("stream me please", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(entry.Id, updates[^1].GetTokenlayInfo()!.RequestId);
        // The stream's cost and tokens arrive in the proxy's summary event, so the final update has them.
        Assert.Equal(entry.CostUsd, updates[^1].GetTokenlayInfo()!.CostUsd);
        Assert.Equal(entry.OutputTokens, updates[^1].GetTokenlayInfo()!.OutputTokens);
        Assert.All(updates.SkipLast(1), u => Assert.Null(u.GetTokenlayInfo()));
        Assert.Equal(entry.Id, updates.ToChatResponse().GetTokenlayInfo()!.RequestId);
    }

    [Fact]
    public async Task Every_round_trip_of_a_function_invocation_loop_is_attributed_and_the_info_sums_them()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        using ServiceProvider services = Services(emulator, t => t.AddChatClient("gpt-4o-mini").UseFunctionInvocation());

        ChatResponse response = await services.GetRequiredService<IChatClient>()
            .GetResponseAsync("What is the weather in Paris?", WeatherTools(new TokenlayRequestContext { User = "dave", Feature = "weather" }));

        IReadOnlyList<CallLogEntry> log = emulator.Store.Snapshot();
        Assert.Equal(2, log.Count); // the tool call, then the answer
        Assert.All(log, e => Assert.Equal(("dave", "weather"), (e.User, e.Feature)));
        Assert.Contains("Sunny in example", response.Text);
        TokenlayResponseInfo info = response.GetTokenlayInfo()!;
        Assert.Equal(log.Sum(e => e.InputTokens + e.OutputTokens), info.TokensUsed);
        Assert.Equal(log.Sum(e => e.CostUsd), info.CostUsd);
        Assert.Equal(log[^1].Id, info.RequestId);
    }

    [Fact]
    public async Task A_streamed_function_invocation_loop_is_attributed_on_every_round_trip()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        using ServiceProvider services = Services(emulator, t => t.AddChatClient("gpt-4o-mini").UseFunctionInvocation());

        var text = new System.Text.StringBuilder();
        await foreach (ChatResponseUpdate update in services.GetRequiredService<IChatClient>()
            .GetStreamingResponseAsync("Weather in Rome?", WeatherTools(new TokenlayRequestContext { User = "erin" })))
        {
            text.Append(update.Text);
        }

        IReadOnlyList<CallLogEntry> log = emulator.Store.Snapshot();
        Assert.Equal(2, log.Count);
        Assert.All(log, e => Assert.Equal("erin", e.User));
        Assert.Contains("Sunny in example", text.ToString());
    }

    [Fact]
    public async Task A_rule_block_inside_a_function_invocation_loop_ends_it_with_the_typed_exception()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions
        {
            Rules = RuleSet.Parse("""
                [{ "id": "one-call", "if": { "feature": "agent" },
                   "then": { "limits": [ { "type": "requests", "max": 1, "window": "day", "per": "user" } ] } }]
                """, "test"),
        });
        using ServiceProvider services = Services(emulator, t => t.AddChatClient("gpt-4o-mini").UseFunctionInvocation());

        var error = await Assert.ThrowsAsync<TokenlayLimitExceededException>(() => services.GetRequiredService<IChatClient>()
            .GetResponseAsync("Weather in Oslo?", WeatherTools(new TokenlayRequestContext { User = "frank", Feature = "agent" })));

        Assert.Equal("one-call", error.RuleId);
        Assert.Equal(2, emulator.Store.Snapshot().Count); // the first round trip ran; the second was blocked
    }

    [Fact]
    public async Task A_hosted_client_opens_one_span_per_attempt_inside_its_retries()
    {
        int attempts = 0;
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) =>
        {
            if (Interlocked.Increment(ref attempts) < 3)
            {
                return OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.Error("busy", "server_error"), 503);
            }
            context.Response.Headers["x-tokenlay-request-id"] = "req_hosted";
            return OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok"));
        });
        using ServiceProvider services = TestHosts.Services(proxy.BaseUrl, new() { ["Tokenlay:Resilience:MaxRetryAttempts"] = "3" }, t => t.AddChatClient("gpt-4o-mini"));
        using var spans = new SpanRecorder();

        using (spans.StartParent())
        {
            await services.GetRequiredService<IChatClient>().GetResponseAsync("hi");
        }

        Activity[] recorded = spans.Spans.OrderBy(s => (int)s.GetTagItem("tokenlay.attempt")!).ToArray();
        Assert.Equal(new[] { 1, 2, 3 }, recorded.Select(s => (int)s.GetTagItem("tokenlay.attempt")!));
        Assert.Equal(new[] { 503, 503, 200 }, recorded.Select(s => (int)s.GetTagItem("http.response.status_code")!));
        Assert.Equal("req_hosted", recorded[2].GetTagItem("tokenlay.request_id"));
        Assert.All(recorded, s => Assert.Equal("gpt-4o-mini", s.GetTagItem("gen_ai.request.model")));
    }
}
