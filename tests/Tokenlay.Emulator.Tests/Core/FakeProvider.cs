using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Tokenlay.Emulator.Tests.Core;

/// <summary>
/// A provider on 127.0.0.1 for --forward tests: each chat call is answered by <c>answer</c>, and
/// every request body it received is kept, so a test can see what the proxy asked for.
/// </summary>
internal sealed class FakeProvider : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeProvider(WebApplication app) => _app = app;

    public ConcurrentQueue<JsonObject> Received { get; } = new();

    public string Base => _app.Urls.First() + "/v1";

    public static async Task<FakeProvider> StartAsync(Func<HttpContext, JsonObject, Task> answer)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        WebApplication app = builder.Build();
        var provider = new FakeProvider(app);
        app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            JsonObject body = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
            provider.Received.Enqueue(body);
            await answer(http, body);
        });
        await app.StartAsync();
        return provider;
    }

    /// <summary>A provider that writes <paramref name="tokens"/> completion tokens, or fewer when the request caps them, as OpenAI does.</summary>
    public static Task<FakeProvider> HonouringCapAsync(long tokens) => StartAsync(async (http, body) =>
    {
        long cap = (long?)body["max_completion_tokens"] ?? (long?)body["max_tokens"] ?? long.MaxValue;
        long produced = Math.Min(tokens, cap);
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(new JsonObject
        {
            ["id"] = "chatcmpl-fake", ["object"] = "chat.completion", ["created"] = 0, ["model"] = (string?)body["model"],
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0, ["finish_reason"] = produced < tokens ? "length" : "stop",
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = string.Join(' ', Enumerable.Repeat("word", (int)Math.Min(produced, 5000))) },
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 12, ["completion_tokens"] = produced, ["total_tokens"] = 12 + produced },
        }.ToJsonString());
    });

    public static HttpRequestMessage Forwarded(FakeProvider provider, string body, string? user = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Emu.Json(body) };
        request.Headers.Add("x-tokenlay-provider-key", "sk-fake-provider-key");
        request.Headers.Add("x-tokenlay-provider-base", provider.Base);
        if (user is not null)
        {
            request.Headers.Add("x-tokenlay-user", user);
        }
        return request;
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _app.StopAsync(stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        await _app.DisposeAsync();
    }
}
