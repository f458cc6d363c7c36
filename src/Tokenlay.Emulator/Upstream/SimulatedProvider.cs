using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Tokenlay.Emulator.Tokens;

namespace Tokenlay.Emulator.Upstream;

/// <summary>
/// A stand-in for the LLM provider: deterministic replies (the same request always gets the same
/// answer), realistic usage numbers, and OpenAI's wire formats, streaming included.
/// </summary>
internal sealed class SimulatedProvider : IProvider
{
    private readonly TimeSpan _latency;
    private readonly TimeSpan _chunkDelay;
    private readonly TimeProvider _time;
    private readonly SimulatedResponses _responses;
    private readonly Func<string, bool> _serves;

    public SimulatedProvider(TokenlayEmulatorOptions options, ResponseArchive archive, Func<string, bool> serves)
    {
        _serves = serves;
        _latency = options.SimulatedLatency;
        _chunkDelay = options.SimulatedChunkDelay;
        _time = options.TimeProvider;
        _responses = new SimulatedResponses(options.TimeProvider, archive);
    }

    public async Task<UpstreamReply> CompleteAsync(ProxyRequest request, CancellationToken cancellationToken)
    {
        await Delay(_latency, cancellationToken);
        if (!_serves(request.Model))
        {
            return ModelNotFound(request.Model);
        }
        return request.Endpoint switch
        {
            "chat/completions" => Chat(request),
            "responses" => Responses(request),
            "embeddings" => Embeddings(request),
            "completions" => LegacyCompletion(request),
            "moderations" => Moderation(request),
            _ => new UpstreamReply(404, null, 0, 0, "unknown endpoint"),
        };
    }

    public async Task<UpstreamReply> StreamAsync(ProxyRequest request, HttpResponse response, StreamProgress progress, CancellationToken cancellationToken)
    {
        await Delay(_latency, cancellationToken);
        if (!_serves(request.Model))
        {
            return ModelNotFound(request.Model);
        }
        (string reply, bool truncated) = ReplyText(request);
        long input = InputTokens(request);
        long output = TokenCounter.Count(request.Model, reply);
        progress.InputTokens = input;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        List<string> pieces = Split(reply);
        long created = _time.GetUtcNow().ToUnixTimeSeconds();
        string id = NewId("chatcmpl-");

        if (request.Endpoint == "completions")
        {
            foreach (string piece in pieces)
            {
                await Delay(_chunkDelay, cancellationToken);
                await WriteEvent(response, new JsonObject
                {
                    ["id"] = id, ["object"] = "text_completion", ["created"] = created, ["model"] = request.Model,
                    ["choices"] = new JsonArray(new JsonObject { ["text"] = piece, ["index"] = 0, ["logprobs"] = null, ["finish_reason"] = null }),
                }.ToJsonString(), cancellationToken);
                progress.Relayed(piece);
            }
            await progress.EndingAsync(input, output, reported: false);
            await WriteEvent(response, "[DONE]", cancellationToken);
            return new UpstreamReply(200, null, input, output);
        }
        if (request.Endpoint == "responses")
        {
            await _responses.StreamAsync(request, response, progress, reply, truncated, pieces, input, output, token => Delay(_chunkDelay, token), cancellationToken);
            await progress.EndingAsync(input, output, reported: false);
            return new UpstreamReply(200, null, input, output);
        }

        await WriteEvent(response, Chunk(id, created, request.Model, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null, request.IncludeUsage), cancellationToken);
        if (SimulatedToolCall.For(request.Body) is { } toolCall)
        {
            JsonObject call = toolCall.ToJson();
            call["index"] = 0;
            await WriteEvent(response, Chunk(id, created, request.Model, new JsonObject { ["tool_calls"] = new JsonArray(call) }, null, request.IncludeUsage), cancellationToken);
            progress.Relayed(toolCall.Name + toolCall.Arguments);
            await WriteEvent(response, Chunk(id, created, request.Model, new JsonObject(), "tool_calls", request.IncludeUsage), cancellationToken);
            output = TokenCounter.Count(request.Model, toolCall.Name + toolCall.Arguments);
        }
        else
        {
            foreach (string piece in pieces)
            {
                await Delay(_chunkDelay, cancellationToken);
                await WriteEvent(response, Chunk(id, created, request.Model, new JsonObject { ["content"] = piece }, null, request.IncludeUsage), cancellationToken);
                progress.Relayed(piece);
            }
            await WriteEvent(response, Chunk(id, created, request.Model, new JsonObject(), truncated ? "length" : "stop", request.IncludeUsage), cancellationToken);
        }
        if (request.IncludeUsage)
        {
            var usageChunk = new JsonObject
            {
                ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = created, ["model"] = request.Model,
                ["choices"] = new JsonArray(), ["usage"] = ChatUsage(input, output),
            };
            await WriteEvent(response, usageChunk.ToJsonString(), cancellationToken);
        }
        await progress.EndingAsync(input, output, reported: false);
            await WriteEvent(response, "[DONE]", cancellationToken);
        return new UpstreamReply(200, null, input, output);
    }

    private UpstreamReply Chat(ProxyRequest request)
    {
        SimulatedToolCall? toolCall = SimulatedToolCall.For(request.Body);
        (string reply, bool truncated) = toolCall is null ? ReplyText(request) : ("", false);
        long input = InputTokens(request);
        long output = TokenCounter.Count(request.Model, toolCall is null ? reply : toolCall.Name + toolCall.Arguments);
        var message = new JsonObject { ["role"] = "assistant", ["content"] = toolCall is null ? reply : null, ["refusal"] = null, ["annotations"] = new JsonArray() };
        if (toolCall is not null)
        {
            message["tool_calls"] = new JsonArray(toolCall.ToJson());
        }
        // n choices, each the same deterministic reply; each is billed, as the provider bills them.
        int n = request.Body["n"] is JsonValue nv && nv.TryGetValue(out int count) ? Math.Max(1, count) : 1;
        output *= n;
        var choices = new JsonArray();
        for (int i = 0; i < n; i++)
        {
            choices.Add(new JsonObject
            {
                ["index"] = i,
                ["message"] = message.DeepClone(),
                ["logprobs"] = toolCall is null ? LogProbabilities(request.Body, reply) : null,
                ["finish_reason"] = toolCall is not null ? "tool_calls" : truncated ? "length" : "stop",
            });
        }
        var body = new JsonObject
        {
            ["id"] = NewId("chatcmpl-"),
            ["object"] = "chat.completion",
            ["created"] = _time.GetUtcNow().ToUnixTimeSeconds(),
            ["model"] = request.Model,
            ["choices"] = choices,
            ["usage"] = ChatUsage(input, output),
            ["service_tier"] = "default",
            ["system_fingerprint"] = SystemFingerprint,
        };
        return new UpstreamReply(200, Encoding.UTF8.GetBytes(body.ToJsonString()), input, output);
    }

    private UpstreamReply Responses(ProxyRequest request)
    {
        (string reply, bool truncated) = ReplyText(request);
        long input = InputTokens(request);
        long output = TokenCounter.Count(request.Model, reply);
        JsonObject body = _responses.Complete(request, reply, truncated, input, output);
        return new UpstreamReply(200, Encoding.UTF8.GetBytes(body.ToJsonString()), input, output);
    }

    // The provider's answer for a model it does not have; /v1/models/{id} says the same.
    private static UpstreamReply ModelNotFound(string model) => new(404, Encoding.UTF8.GetBytes(new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["message"] = $"The model '{model}' does not exist or you do not have access to it. The emulator serves the models of its price table, price overrides (PUT /v1/pricing) and --models.",
            ["type"] = TokenlayErrorCodes.InvalidRequestType, ["param"] = "model", ["code"] = TokenlayErrorCodes.ModelNotFound,
        },
    }.ToJsonString()), 0, 0, "model not found");

    private UpstreamReply LegacyCompletion(ProxyRequest request)
    {
        (string reply, bool truncated) = ReplyText(request);
        long input = InputTokens(request);
        long output = TokenCounter.Count(request.Model, reply);
        var body = new JsonObject
        {
            ["id"] = NewId("cmpl-"), ["object"] = "text_completion", ["created"] = _time.GetUtcNow().ToUnixTimeSeconds(), ["model"] = request.Model,
            ["system_fingerprint"] = SystemFingerprint,
            ["choices"] = new JsonArray(new JsonObject { ["text"] = reply, ["index"] = 0, ["logprobs"] = null, ["finish_reason"] = truncated ? "length" : "stop" }),
            ["usage"] = ChatUsage(input, output),
        };
        return new UpstreamReply(200, Encoding.UTF8.GetBytes(body.ToJsonString()), input, output);
    }

    // Nothing is ever flagged: the emulator does not judge content, it only answers in the API's shape.
    private static readonly string[] s_moderationCategories =
    [
        "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent", "self-harm",
        "self-harm/intent", "self-harm/instructions", "sexual", "sexual/minors", "violence", "violence/graphic",
    ];

    private static UpstreamReply Moderation(ProxyRequest request)
    {
        int count = request.Body["input"] is JsonArray inputs ? inputs.Count : 1;
        var results = new JsonArray();
        for (int i = 0; i < count; i++)
        {
            results.Add(new JsonObject
            {
                ["flagged"] = false,
                ["categories"] = new JsonObject(s_moderationCategories.Select(c => new KeyValuePair<string, JsonNode?>(c, false))),
                ["category_scores"] = new JsonObject(s_moderationCategories.Select(c => new KeyValuePair<string, JsonNode?>(c, 0.0001))),
                ["category_applied_input_types"] = new JsonObject(s_moderationCategories.Select(c => new KeyValuePair<string, JsonNode?>(c, new JsonArray("text")))),
            });
        }
        var body = new JsonObject { ["id"] = NewId("modr-"), ["model"] = request.Model, ["results"] = results };
        long input = InputTokens(request);
        return new UpstreamReply(200, Encoding.UTF8.GetBytes(body.ToJsonString()), input, 0);
    }

    private static UpstreamReply Embeddings(ProxyRequest request)
    {
        // One vector per input; a bare array of token ids is one input.
        List<string> inputs = request.Body["input"] switch
        {
            JsonArray array when array.All(i => i is JsonValue v && v.GetValueKind() == JsonValueKind.Number) => [array.ToJsonString()],
            JsonArray array => array.Select(i => i is JsonValue v && v.TryGetValue(out string? s) ? s : i?.ToJsonString() ?? "").ToList(),
            JsonNode single => [TokenCounter.TextOf(single)],
            null => [],
        };
        int dimensions = request.Body["dimensions"] is JsonValue d && d.TryGetValue(out int n) && n > 0
            ? n
            : request.Model.Contains("large", StringComparison.Ordinal) ? 3072 : 1536;
        bool base64 = request.Body["encoding_format"] is JsonValue f && f.TryGetValue(out string? format) && format == "base64";
        var data = new JsonArray();
        for (int i = 0; i < inputs.Count; i++)
        {
            float[] vector = Vector(inputs[i], dimensions);
            JsonNode embedding = base64
                ? JsonValue.Create(Convert.ToBase64String(MemoryMarshalBytes(vector)))
                : new JsonArray(vector.Select(x => (JsonNode)JsonValue.Create(x)).ToArray());
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
        }
        long tokens = TokenCounter.CountInput("embeddings", request.Body, request.Model);
        var body = new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = request.Model,
            ["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens },
        };
        return new UpstreamReply(200, Encoding.UTF8.GetBytes(body.ToJsonString()), tokens, 0);
    }

    // A unit vector seeded by the text, so equal texts embed equally and different ones differ.
    private static float[] Vector(string text, int dimensions)
    {
        var random = new Random(BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0));
        var vector = new float[dimensions];
        double norm = 0;
        for (int i = 0; i < dimensions; i++)
        {
            vector[i] = (float)(random.NextDouble() * 2 - 1);
            norm += vector[i] * vector[i];
        }
        float scale = (float)(1 / Math.Sqrt(norm));
        for (int i = 0; i < dimensions; i++)
        {
            vector[i] *= scale;
        }
        return vector;
    }

    private static byte[] MemoryMarshalBytes(float[] vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        Buffer.BlockCopy(vector, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static long InputTokens(ProxyRequest request) =>
        request.InputTokens > 0 ? request.InputTokens : TokenCounter.CountInput(request.Endpoint, request.Body, request.Model);

    /// <summary>The deterministic reply, cut to the caller's output limit (then <c>Truncated</c>, finish_reason <c>length</c>).</summary>
    private static (string Text, bool Truncated) ReplyText(ProxyRequest request)
    {
        if (SimulatedToolCall.AnswerFromToolResults(request.Body) is { } fromTools)
        {
            return (fromTools, false);
        }
        string said = request.Body["messages"] is JsonArray messages
            ? TokenCounter.TextOf(messages.LastOrDefault(m => m?["role"] is JsonValue r && r.TryGetValue(out string? role) && role == "user")?["content"])
            : TokenCounter.TextOf(request.Body["input"] ?? request.Body["prompt"]);
        said = said.Trim();
        if (said.Length > 160)
        {
            said = said[..160] + "…";
        }
        string reply = StructuredReply(request.Body, $"Hello from the Tokenlay emulator ({request.Model}). You said: \"{said}\"");
        long? maxTokens = (request.Body["max_completion_tokens"] ?? request.Body["max_tokens"] ?? request.Body["max_output_tokens"]) is JsonValue m && m.TryGetValue(out long limit) ? limit : null;
        if (maxTokens is not { } max || TokenCounter.Count(request.Model, reply) <= max)
        {
            return (reply, false);
        }
        // Whole words while they fit, as a model stops mid-sentence at its token limit.
        string cut = "";
        foreach (string piece in Split(reply))
        {
            if (TokenCounter.Count(request.Model, cut + piece) > max)
            {
                break;
            }
            cut += piece;
        }
        return (cut, true);
    }

    /// <summary>
    /// The reply in the format asked for: for <c>json_schema</c> (chat's <c>response_format</c> or the
    /// Responses API's <c>text.format</c>) the smallest instance valid against the schema, so the SDKs'
    /// structured-output parsing works; for <c>json_object</c> a JSON object holding the prose.
    /// </summary>
    private static string StructuredReply(JsonObject body, string prose)
    {
        JsonObject? format = body["response_format"] as JsonObject ?? (body["text"] as JsonObject)?["format"] as JsonObject;
        string? type = format?["type"] is JsonValue t && t.TryGetValue(out string? name) ? name : null;
        return type switch
        {
            "json_schema" => SimulatedToolCall.MinimalInstance((format!["json_schema"] as JsonObject)?["schema"] ?? format["schema"], depth: 0)?.ToJsonString() ?? "null",
            "json_object" => new JsonObject { ["reply"] = prose }.ToJsonString(),
            _ => prose,
        };
    }

    /// <summary>Log probabilities for a reply, word by word, when the call asked for them (<c>logprobs: true</c>).</summary>
    private static JsonNode? LogProbabilities(JsonObject body, string reply)
    {
        if (body["logprobs"]?.GetValueKind() != JsonValueKind.True)
        {
            return null;
        }
        int top = body["top_logprobs"] is JsonValue tv && tv.TryGetValue(out int k) ? Math.Clamp(k, 0, 20) : 0;
        var content = new JsonArray();
        foreach (string token in Split(reply))
        {
            JsonNode Entry(string text, double logprob) => new JsonObject
            {
                ["token"] = text, ["logprob"] = logprob,
                ["bytes"] = new JsonArray(Encoding.UTF8.GetBytes(text).Select(b => (JsonNode)JsonValue.Create((int)b)).ToArray()),
            };
            var entry = (JsonObject)Entry(token, -0.0001);
            entry["top_logprobs"] = new JsonArray(Enumerable.Range(0, top).Select(i => Entry(i == 0 ? token : token + i, -0.0001 - i)).ToArray());
            content.Add(entry);
        }
        return new JsonObject { ["content"] = content, ["refusal"] = null };
    }

    private static List<string> Split(string text)
    {
        var pieces = new List<string>();
        int start = 0;
        for (int i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == ' ')
            {
                pieces.Add(text[start..i]);
                start = i;
            }
        }
        return pieces;
    }

    // With stream_options.include_usage the provider adds "usage": null to every chunk before the usage chunk.
    private static string Chunk(string id, long created, string model, JsonObject delta, string? finishReason, bool includeUsage)
    {
        var chunk = new JsonObject
        {
            ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = created, ["model"] = model,
            ["service_tier"] = "default", ["system_fingerprint"] = SystemFingerprint,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finishReason }),
        };
        if (includeUsage)
        {
            chunk["usage"] = null;
        }
        return chunk.ToJsonString();
    }

    /// <summary>Identifies the simulated backend, as the provider's fingerprint identifies its configuration.</summary>
    private const string SystemFingerprint = "fp_tokenlay_emulator";

    private static JsonObject ChatUsage(long input, long output) => new()
    {
        ["prompt_tokens"] = input, ["completion_tokens"] = output, ["total_tokens"] = input + output,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 0, ["audio_tokens"] = 0 },
        ["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0, ["audio_tokens"] = 0, ["accepted_prediction_tokens"] = 0, ["rejected_prediction_tokens"] = 0 },
    };

    internal static async Task WriteEvent(HttpResponse response, string data, CancellationToken cancellationToken)
    {
        await response.WriteAsync("data: " + data + "\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private async Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _time, cancellationToken);
        }
    }

    // Replies are deterministic; ids are not: like the provider's, every completion gets its own.
    private static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..24];

}
