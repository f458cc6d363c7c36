using System.ClientModel;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenAI.Chat;

namespace Tokenlay.Benchmarks;

/// <summary>
/// (ii) The same call over real HTTP to a Kestrel server on 127.0.0.1, and time to the first
/// streamed chunk, raw vs Tokenlay.
/// </summary>
[MemoryDiagnoser]
public class LoopbackBenchmarks
{
    private static readonly ChatMessage[] Messages = [new UserChatMessage("Hello!")];
    private WebApplication _server = null!;
    private ChatClient _raw = null!;
    private ChatClient _tokenlay = null!;

    [GlobalSetup]
    public void Setup()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            string body = await reader.ReadToEndAsync();
            if (body.Contains("\"long stream\"", StringComparison.Ordinal))
            {
                // 200 chunks, each flushed on its own, so the client waits on many separate reads.
                context.Response.ContentType = "text/event-stream";
                for (int i = 0; i < 200; i++)
                {
                    await context.Response.WriteAsync(Canned.Chunk("w" + i));
                    await context.Response.Body.FlushAsync();
                }
                await context.Response.WriteAsync("data: [DONE]\n\n");
                return;
            }
            if (body.Contains("\"stream\":true", StringComparison.Ordinal))
            {
                context.Response.ContentType = "text/event-stream";
                await context.Response.WriteAsync(Canned.Chunk("Hello"));
                await context.Response.Body.FlushAsync();
                await context.Response.WriteAsync(Canned.Chunk(" there") + "data: [DONE]\n\n");
                return;
            }
            context.Response.ContentType = "application/json";
            context.Response.Headers["x-tokenlay-request-id"] = "req_bench";
            await context.Response.Body.WriteAsync(Canned.ChatCompletionBytes);
        });
        _server.StartAsync().GetAwaiter().GetResult();
        var endpoint = new Uri(_server.Urls.First());
        _raw = new OpenAIClient(new ApiKeyCredential("sk-raw"), new OpenAIClientOptions { Endpoint = new Uri(endpoint, "v1") }).GetChatClient("gpt-4o-mini");
        _tokenlay = TokenlayOpenAIClient.Create(new TokenlayOptions { TokenlayKey = "tl_bench", ProviderApiKey = "sk-bench", TokenlayBaseUrl = endpoint })
            .GetChatClient("gpt-4o-mini");
    }

    [GlobalCleanup]
    public void Cleanup() => _server.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public async Task<ChatCompletion> Raw_Loopback() => await _raw.CompleteChatAsync(Messages);

    [Benchmark]
    public async Task<ChatCompletion> Tokenlay_Loopback() => await _tokenlay.CompleteChatAsync(Messages);

    [Benchmark]
    public async Task<string?> Raw_FirstStreamedChunk() => await FirstChunk(_raw);

    [Benchmark]
    public async Task<string?> Tokenlay_FirstStreamedChunk() => await FirstChunk(_tokenlay);

    public async Task<int> Raw_LongStream() => await Drain(_raw);

    public async Task<int> Tokenlay_LongStream() => await Drain(_tokenlay);

    private static async Task<int> Drain(ChatClient chat)
    {
        int chunks = 0;
        await foreach (StreamingChatCompletionUpdate _ in chat.CompleteChatStreamingAsync([new UserChatMessage("long stream")]))
        {
            chunks++;
        }
        return chunks;
    }

    private static async Task<string?> FirstChunk(ChatClient chat)
    {
        await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync(Messages))
        {
            if (update.ContentUpdate.Count > 0)
            {
                return update.ContentUpdate[0].Text; // leaving the loop disposes the stream
            }
        }
        return null;
    }
}
