using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Tokenlay.Emulator.Tests.Keys;

/// <summary>What <see cref="RecordingProvider"/> received: method, path and query, headers and body.</summary>
internal sealed record ReceivedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
}

/// <summary>
/// A provider on 127.0.0.1 that answers every path (model lists, deployments, chat under any prefix)
/// and records what it received, so a test sees the URL, the auth header and the body the emulator sent.
/// Keys in <see cref="Refused"/> get the provider's 401, as OpenAI answers a wrong key.
/// </summary>
internal sealed class RecordingProvider : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RecordingProvider(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

    public ConcurrentDictionary<string, bool> Refused { get; } = new();

    /// <summary>The server's root, without /v1.</summary>
    public string Root => _app.Urls.First();

    public string Base => Root + "/v1";

    public static async Task<RecordingProvider> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        WebApplication app = builder.Build();
        var provider = new RecordingProvider(app);
        app.Run(async http =>
        {
            string body = await new StreamReader(http.Request.Body).ReadToEndAsync();
            var headers = http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            provider.Received.Enqueue(new ReceivedRequest(http.Request.Method, http.Request.Path + http.Request.QueryString, headers, body));
            string presented = headers.GetValueOrDefault("authorization")?.Replace("Bearer ", "", StringComparison.Ordinal)
                ?? headers.GetValueOrDefault("api-key") ?? headers.GetValueOrDefault("x-api-key") ?? "";
            http.Response.ContentType = "application/json";
            if (provider.Refused.ContainsKey(presented))
            {
                http.Response.StatusCode = 401;
                // Some servers quote the key they refuse: the emulator must not pass it on.
                await http.Response.WriteAsync(new JsonObject { ["error"] = new JsonObject { ["message"] = $"Incorrect API key provided: {presented}.", ["type"] = "invalid_request_error", ["code"] = "invalid_api_key" } }.ToJsonString());
                return;
            }
            if (http.Request.Method == "GET")
            {
                await http.Response.WriteAsync("""{"object":"list","data":[{"id":"gpt-4o-mini","object":"model"}]}""");
                return;
            }
            JsonObject request = JsonNode.Parse(body)!.AsObject();
            await http.Response.WriteAsync(new JsonObject
            {
                ["id"] = "chatcmpl-recorded", ["object"] = "chat.completion", ["created"] = 0, ["model"] = (string?)request["model"],
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0, ["finish_reason"] = "stop",
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "hello from the customer's provider" },
                }),
                ["usage"] = new JsonObject { ["prompt_tokens"] = 9, ["completion_tokens"] = 6, ["total_tokens"] = 15 },
            }.ToJsonString());
        });
        await app.StartAsync();
        return provider;
    }

    /// <summary>The proxied calls received (POSTs), oldest first.</summary>
    public IReadOnlyList<ReceivedRequest> Calls => Received.Where(r => r.Method == "POST").ToList();

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
