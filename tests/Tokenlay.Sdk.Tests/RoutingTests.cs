using System.ClientModel;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Responses;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

public class RoutingTests
{
    private static Task<FakeProxy> StartEchoProxy() => FakeProxy.StartAsync(async (context, request) =>
    {
        string json = request.Path switch
        {
            "/v1/chat/completions" => OpenAIReplies.ChatCompletion("routed"),
            "/v1/embeddings" => OpenAIReplies.Embeddings(),
            "/v1/responses" => OpenAIReplies.Response("routed"),
            _ => OpenAIReplies.Error("no such route in the fake proxy", "not_found"),
        };
        await OpenAIReplies.WriteJsonAsync(context, json, json.Contains("\"error\"") ? 404 : 200);
    });

    [Fact]
    public async Task Chat_completion_goes_to_the_tokenlay_v1_endpoint_with_the_tokenlay_key_as_bearer()
    {
        await using FakeProxy proxy = await StartEchoProxy();
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("gpt-4o-mini");

        ChatCompletion completion = await chat.CompleteChatAsync("hello");

        Assert.Equal("routed", completion.Content[0].Text);
        RecordedRequest request = proxy.LastRequest;
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("Bearer " + TestKeys.Tokenlay, request.Header("authorization"));
    }

    [Fact]
    public async Task Every_call_carries_the_provider_key_and_the_default_provider_base()
    {
        await using FakeProxy proxy = await StartEchoProxy();
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("gpt-4o-mini");

        await chat.CompleteChatAsync("hello");

        Assert.Equal(TestKeys.Provider, proxy.LastRequest.Header("x-tokenlay-provider-key"));
        Assert.Equal("https://api.openai.com/v1", proxy.LastRequest.Header("x-tokenlay-provider-base"));
        Assert.DoesNotContain(TestKeys.Provider, proxy.LastRequest.Header("authorization"));
    }

    [Fact]
    public async Task Metadata_becomes_x_tokenlay_headers_and_extra_headers_go_verbatim()
    {
        await using FakeProxy proxy = await StartEchoProxy();
        ChatClient chat = TestKeys.Client(proxy, o =>
        {
            o.ProviderApiBase = new Uri("https://api.mistral.ai/v1");
            o.Metadata["user"] = "user_1";
            o.Metadata["Org"] = "org_1";
            o.Metadata["plan"] = "pro";
            o.Metadata["project"] = "chatbot";
            o.Metadata["feature"] = "autocomplete";
            o.Metadata["region"] = "eu";
            o.ExtraHeaders["X-Gateway-Tenant"] = "t1";
        }).GetChatClient("gpt-4o-mini");

        await chat.CompleteChatAsync("hello");

        RecordedRequest request = proxy.LastRequest;
        Assert.Equal("https://api.mistral.ai/v1", request.Header("x-tokenlay-provider-base"));
        Assert.Equal("user_1", request.Header("x-tokenlay-user"));
        Assert.Equal("org_1", request.Header("x-tokenlay-org"));
        Assert.Equal("pro", request.Header("x-tokenlay-plan"));
        Assert.Equal("chatbot", request.Header("x-tokenlay-project"));
        Assert.Equal("autocomplete", request.Header("x-tokenlay-feature"));
        Assert.Equal("eu", request.Header("x-tokenlay-region"));
        Assert.Equal("t1", request.Header("x-gateway-tenant"));
    }

    [Fact]
    public async Task The_user_agent_names_the_sdk()
    {
        await using FakeProxy proxy = await StartEchoProxy();
        await TestKeys.Client(proxy).GetChatClient("gpt-4o-mini").CompleteChatAsync("hello");

        Assert.Contains("tokenlay-dotnet/", proxy.LastRequest.Header("user-agent"));
    }

    [Fact]
    public async Task Streaming_chat_is_routed_and_carries_the_headers()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await OpenAIReplies.WriteSseEventAsync(context, OpenAIReplies.ChatChunk("Hel"));
            await OpenAIReplies.WriteSseEventAsync(context, OpenAIReplies.ChatChunk("lo"));
            await OpenAIReplies.WriteSseEventAsync(context, "[DONE]");
        });
        ChatClient chat = TestKeys.Client(proxy, o => o.Metadata["user"] = "streamer").GetChatClient("gpt-4o-mini");

        var text = new System.Text.StringBuilder();
        await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync("hi"))
        {
            foreach (ChatMessageContentPart part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.Equal("Hello", text.ToString());
        Assert.Equal("/v1/chat/completions", proxy.LastRequest.Path);
        Assert.Equal("streamer", proxy.LastRequest.Header("x-tokenlay-user"));
        Assert.Contains("\"stream\":true", proxy.LastRequest.Body);
    }

    [Fact]
    public async Task Embeddings_are_routed()
    {
        await using FakeProxy proxy = await StartEchoProxy();
        EmbeddingClient embeddings = TestKeys.Client(proxy).GetEmbeddingClient("text-embedding-3-small");

        OpenAIEmbedding embedding = await embeddings.GenerateEmbeddingAsync("hello");

        Assert.Equal(3, embedding.ToFloats().Length);
        Assert.Equal("/v1/embeddings", proxy.LastRequest.Path);
        Assert.Equal(TestKeys.Provider, proxy.LastRequest.Header("x-tokenlay-provider-key"));
    }

    [Fact]
    public async Task Responses_are_routed()
    {
        await using FakeProxy proxy = await StartEchoProxy();
        ResponsesClient responses = TestKeys.Client(proxy).GetResponsesClient();

        ResponseResult response = await responses.CreateResponseAsync("gpt-4o-mini", "hello");

        Assert.Equal("routed", response.GetOutputText());
        Assert.Equal("/v1/responses", proxy.LastRequest.Path);
        Assert.Equal(TestKeys.Provider, proxy.LastRequest.Header("x-tokenlay-provider-key"));
    }

    public static TheoryData<string, Func<OpenAIClient, Task>> OtherClients => new()
    {
        { "/v1/models", c => c.GetOpenAIModelClient().GetModelsAsync() },
        { "/v1/moderations", c => c.GetModerationClient("omni-moderation-latest").ClassifyTextAsync("text") },
        { "/v1/images/generations", c => c.GetImageClient("gpt-image-1").GenerateImageAsync("a cat") },
        { "/v1/audio/speech", c => c.GetAudioClient("tts-1").GenerateSpeechAsync("hi", OpenAI.Audio.GeneratedSpeechVoice.Alloy) },
    };

    [Theory]
    [MemberData(nameof(OtherClients))]
    public async Task Every_other_client_of_the_factory_is_routed_too(string path, Func<OpenAIClient, Task> call)
    {
        await using FakeProxy proxy = await StartEchoProxy();

        // The fake proxy has no reply for these routes: what matters is what reached it, with which headers.
        await Assert.ThrowsAsync<TokenlayNotFoundException>(() => call(TestKeys.Client(proxy)));

        Assert.Equal(path, proxy.LastRequest.Path);
        Assert.Equal("Bearer " + TestKeys.Tokenlay, proxy.LastRequest.Header("authorization"));
        Assert.Equal(TestKeys.Provider, proxy.LastRequest.Header("x-tokenlay-provider-key"));
    }
}
