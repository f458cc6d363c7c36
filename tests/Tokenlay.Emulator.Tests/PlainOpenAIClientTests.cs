using System.ClientModel;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Responses;

namespace Tokenlay.Emulator.Tests;

/// <summary>The official OpenAI client, with no Tokenlay code at all, pointed at the emulator.</summary>
public class PlainOpenAIClientTests
{
    private static OpenAIClient Plain(TokenlayEmulator emulator) =>
        new(new ApiKeyCredential(emulator.Key), new OpenAIClientOptions { Endpoint = new Uri(emulator.BaseUrl, "v1") });

    [Fact]
    public async Task Chat_works_and_the_reply_is_deterministic()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        ChatClient chat = Plain(emulator).GetChatClient("gpt-4o-mini");

        ChatCompletion first = await chat.CompleteChatAsync("What is 2+2?");
        ChatCompletion second = await chat.CompleteChatAsync("What is 2+2?");

        Assert.Contains("What is 2+2?", first.Content[0].Text);
        Assert.Equal(first.Content[0].Text, second.Content[0].Text);
        Assert.Equal("gpt-4o-mini", first.Model);
        Assert.True(first.Usage.InputTokenCount > 0);
        Assert.True(first.Usage.OutputTokenCount > 0);
        Assert.Equal(ChatFinishReason.Stop, first.FinishReason);
    }

    [Fact]
    public async Task Streaming_chat_ends_with_a_usage_update()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        ChatClient chat = Plain(emulator).GetChatClient("gpt-4o-mini");

        var text = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;
        int updates = 0;
        await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync("Tell me something"))
        {
            updates++;
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            usage ??= update.Usage;
        }

        Assert.True(updates > 3, "the reply should arrive in several chunks");
        Assert.Contains("Tell me something", text.ToString());
        Assert.NotNull(usage);
        Assert.True(usage!.OutputTokenCount > 0);
    }

    [Fact]
    public async Task Embeddings_are_unit_vectors_equal_for_equal_text()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        EmbeddingClient embeddings = Plain(emulator).GetEmbeddingClient("text-embedding-3-small");

        OpenAIEmbeddingCollection result = await embeddings.GenerateEmbeddingsAsync(new[] { "cat", "cat", "dog" });

        float[] a = result[0].ToFloats().ToArray(), b = result[1].ToFloats().ToArray(), c = result[2].ToFloats().ToArray();
        Assert.Equal(1536, a.Length);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.InRange(Math.Sqrt(a.Sum(x => (double)x * x)), 0.999, 1.001);
    }

    [Fact]
    public async Task Embedding_dimensions_are_honoured()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        EmbeddingClient embeddings = Plain(emulator).GetEmbeddingClient("text-embedding-3-large");

        OpenAIEmbedding embedding = await embeddings.GenerateEmbeddingAsync("hello", new EmbeddingGenerationOptions { Dimensions = 64 });

        Assert.Equal(64, embedding.ToFloats().Length);
    }

    [Fact]
    public async Task Responses_work_plain_and_streamed()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        ResponsesClient responses = Plain(emulator).GetResponsesClient();

        ResponseResult response = await responses.CreateResponseAsync("gpt-4o-mini", "Say hello");
        Assert.Contains("Say hello", response.GetOutputText());

        var streamed = new System.Text.StringBuilder();
        await foreach (StreamingResponseUpdate update in await responses.CreateResponseStreamingAsync("gpt-4o-mini", "Say hello"))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                streamed.Append(delta.Delta);
            }
        }
        Assert.Equal(response.GetOutputText(), streamed.ToString());
    }

    [Fact]
    public async Task Models_are_listed()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();

        var models = new List<string>();
        foreach (OpenAI.Models.OpenAIModel model in (await Plain(emulator).GetOpenAIModelClient().GetModelsAsync()).Value)
        {
            models.Add(model.Id);
        }

        Assert.Contains("gpt-4o-mini", models);
        Assert.Contains("claude-sonnet-4", models);
    }
}
