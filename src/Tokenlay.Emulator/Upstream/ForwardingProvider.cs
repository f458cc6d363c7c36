using System;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Tokenlay.Emulator.Upstream;

/// <summary>
/// Relays calls to the provider named by <c>x-tokenlay-provider-base</c> with the caller's provider
/// key. Streams are passed on event by event as they arrive, never buffered, and a chat stream is
/// asked for its usage chunk so that it can be metered.
/// </summary>
internal sealed class ForwardingProvider : IProvider, IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2), // follow DNS changes of the provider
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan, // LLM streams run long; the caller's cancellation ends them
    };

    public async Task<UpstreamReply> CompleteAsync(ProxyRequest request, CancellationToken cancellationToken)
    {
        using HttpRequestMessage message = CreateMessage(request);
        using HttpResponseMessage response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken);
        byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        (long input, long output) = response.IsSuccessStatusCode ? ReadUsage(body) : (0, 0);
        return new UpstreamReply((int)response.StatusCode, body, input, output, response.IsSuccessStatusCode ? null : "provider error");
    }

    public async Task<UpstreamReply> StreamAsync(ProxyRequest request, HttpResponse response, CancellationToken cancellationToken)
    {
        // What the caller asked for, read before the proxy adds its own request for usage.
        bool callerWantsUsage = request.IncludeUsage;
        if (request.Endpoint == "chat/completions")
        {
            // Without it a streamed call could not be metered.
            JsonObject streamOptions = request.Body["stream_options"] as JsonObject ?? new JsonObject();
            streamOptions["include_usage"] = true;
            request.Body["stream_options"] = streamOptions;
        }
        using HttpRequestMessage message = CreateMessage(request);
        using HttpResponseMessage upstream = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!upstream.IsSuccessStatusCode)
        {
            byte[] error = await upstream.Content.ReadAsByteArrayAsync(cancellationToken);
            return new UpstreamReply((int)upstream.StatusCode, error, 0, 0, "provider error");
        }
        response.ContentType = upstream.Content.Headers.ContentType?.ToString() ?? "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        await using Stream source = await upstream.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(source, Encoding.UTF8);
        long input = 0, output = 0;
        var pending = new StringBuilder();
        bool withhold = false;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            pending.Append(line).Append('\n');
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                byte[] data = Encoding.UTF8.GetBytes(line.AsSpan(5).Trim().ToString());
                (long i, long o) = ReadUsage(data);
                if (i + o > 0)
                {
                    (input, output) = (i, o);
                }
                // The usage chunk the proxy asked for on its own (no choices) is metered, not relayed:
                // a caller that did not ask for it would read chunk.choices[0] and fail.
                withhold |= !callerWantsUsage && IsUsageOnlyChunk(data);
            }
            if (line.Length == 0)
            {
                // End of one event: hand it on now (unless it is the withheld usage chunk).
                if (!withhold)
                {
                    await response.WriteAsync(pending.ToString(), cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                }
                pending.Clear();
                withhold = false;
            }
        }
        if (pending.Length > 0)
        {
            await response.WriteAsync(pending.ToString(), cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }
        return new UpstreamReply(200, null, input, output);
    }

    private static HttpRequestMessage CreateMessage(ProxyRequest request)
    {
        string baseUrl = (request.ProviderBase ?? Tokenlay.TokenlayOptions.DefaultProviderApiBase.OriginalString).TrimEnd('/');
        var message = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/" + request.Endpoint)
        {
            Content = new StringContent(request.Body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", request.ProviderKey);
        if (request.Stream)
        {
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }
        return message;
    }

    /// <summary>Whether a chat chunk is the final usage chunk: an empty <c>choices</c> array and a <c>usage</c> object.</summary>
    internal static bool IsUsageOnlyChunk(byte[] json)
    {
        if (json.Length == 0 || json[0] != (byte)'{')
        {
            return false;
        }
        try
        {
            JsonNode? root = JsonNode.Parse(json);
            return root?["choices"] is JsonArray { Count: 0 } && root["usage"] is JsonObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads usage from a reply, a chunk or a responses event: whichever shape it has.</summary>
    internal static (long Input, long Output) ReadUsage(byte[] json)
    {
        if (json.Length == 0 || json[0] != (byte)'{')
        {
            return (0, 0);
        }
        try
        {
            JsonNode? root = JsonNode.Parse(json);
            JsonNode? usage = root?["usage"] ?? root?["response"]?["usage"];
            if (usage is not JsonObject u)
            {
                return (0, 0);
            }
            long input = Long(u["prompt_tokens"]) ?? Long(u["input_tokens"]) ?? 0;
            long output = Long(u["completion_tokens"]) ?? Long(u["output_tokens"]) ?? 0;
            return (input, output);
        }
        catch (JsonException)
        {
            return (0, 0);
        }

        static long? Long(JsonNode? node) => node is JsonValue v && v.TryGetValue(out long n) ? n : null;
    }

    public void Dispose() => _http.Dispose();
}
