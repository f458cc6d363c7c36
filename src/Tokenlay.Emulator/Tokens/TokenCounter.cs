using System;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;

namespace Tokenlay.Emulator.Tokens;

/// <summary>
/// Token counts as OpenAI counts them: the model's own tiktoken encoding (o200k_base for the
/// gpt-4o, gpt-4.1, gpt-5 and o-series families; cl100k_base for gpt-4, gpt-3.5-turbo and the
/// embedding models), from Microsoft.ML.Tokenizers, plus OpenAI's per-message overhead for chat.
/// Other providers' models are counted with o200k_base and reported as not exact (<see cref="IsExact"/>).
/// </summary>
internal static class TokenCounter
{
    private static readonly Lazy<Tokenizer> s_o200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private static readonly Lazy<Tokenizer> s_cl100k = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    /// <summary>Whether <paramref name="model"/>'s tokenizer is known, so counts for it are exact.</summary>
    public static bool IsExact(string model) => Encoding(model) is not null;

    /// <summary>Loads the tokenizer most models use, off the request path (at start).</summary>
    public static void Warm() => _ = s_o200k.Value.CountTokens("warm");

    /// <summary>Whether the two models count text alike, so a count for one holds for the other.</summary>
    public static bool SameTokenizer(string a, string b) => ReferenceEquals(Encoding(a) ?? s_o200k, Encoding(b) ?? s_o200k);

    /// <summary>The tokens of <paramref name="text"/> for <paramref name="model"/>.</summary>
    public static long Count(string model, string? text) =>
        string.IsNullOrEmpty(text) ? 0 : (Encoding(model) ?? s_o200k).Value.CountTokens(text);

    /// <summary>
    /// The prompt tokens of a chat call: 3 per message, its role, content and name (+1), and 3 that
    /// prime the reply, as in OpenAI's published counting recipe. Tool definitions are counted as their JSON.
    /// </summary>
    public static long CountMessages(string model, JsonArray messages, JsonNode? tools = null)
    {
        long total = 3;
        foreach (JsonNode? node in messages)
        {
            if (node is not JsonObject message)
            {
                continue;
            }
            total += 3;
            total += Count(model, Text(message["role"]));
            total += Count(model, TextOf(message["content"]));
            if (message["name"] is JsonValue name)
            {
                total += Count(model, Text(name)) + 1;
            }
            if (message["tool_calls"] is JsonArray calls)
            {
                foreach (JsonNode? call in calls)
                {
                    JsonNode? function = (call as JsonObject)?["function"];
                    total += Count(model, Text((function as JsonObject)?["name"])) + Count(model, Text((function as JsonObject)?["arguments"]));
                }
            }
        }
        if (tools is JsonArray { Count: > 0 })
        {
            total += Count(model, tools.ToJsonString());
        }
        return total;
    }

    /// <summary>The prompt tokens of a call to <paramref name="endpoint"/> (validated body).</summary>
    public static long CountInput(string endpoint, JsonObject body, string model)
    {
        switch (endpoint)
        {
            case "chat/completions":
                return body["messages"] is JsonArray messages ? CountMessages(model, messages, body["tools"]) : 0;
            case "embeddings":
                return body["input"] switch
                {
                    JsonArray list => list.Sum(item => item switch
                    {
                        JsonArray ids => ids.Count,           // already token ids
                        JsonValue v when v.TryGetValue(out string? text) => Count(model, text),
                        _ => 1,
                    }),
                    JsonNode single => Count(model, TextOf(single)),
                    null => 0,
                };
            case "completions":
                return Count(model, TextOf(body["prompt"]));
            case "moderations":
                return Count(model, TextOf(body["input"]));
            default:
                long itemOverhead = body["input"] is JsonArray inputItems ? 3L * inputItems.Count : 0;
                return 3 + itemOverhead + Count(model, TextOf(body["input"])) + Count(model, TextOf(body["instructions"])) + Count(model, (body["tools"] as JsonArray)?.ToJsonString());
        }
    }

    /// <summary>The text of a message content or input: a string, or the text parts of an array of parts or items.</summary>
    public static string TextOf(JsonNode? content)
    {
        switch (content)
        {
            case null:
                return "";
            case JsonValue value when value.TryGetValue(out string? text):
                return text;
            case JsonArray parts:
                var builder = new StringBuilder();
                foreach (JsonNode? part in parts)
                {
                    if (part is JsonObject obj)
                    {
                        if (obj["text"] is JsonValue t && t.TryGetValue(out string? s))
                        {
                            builder.Append(s);
                        }
                        else if (obj["content"] is { } inner)
                        {
                            builder.Append(TextOf(inner));
                        }
                    }
                    else if (part is JsonValue v && v.TryGetValue(out string? plain))
                    {
                        builder.Append(plain);
                    }
                }
                return builder.ToString();
            default:
                return content.ToJsonString();
        }
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static Lazy<Tokenizer>? Encoding(string model)
    {
        string m = model.ToLowerInvariant();
        int slash = m.LastIndexOf('/');
        if (slash >= 0)
        {
            m = m[(slash + 1)..]; // "openai/gpt-4o" as routers name it
        }
        if (m.StartsWith("gpt-4o", StringComparison.Ordinal) || m.StartsWith("gpt-4.1", StringComparison.Ordinal) || m.StartsWith("gpt-4.5", StringComparison.Ordinal)
            || m.StartsWith("gpt-5", StringComparison.Ordinal) || m.StartsWith("chatgpt-4o", StringComparison.Ordinal) || m.StartsWith("gpt-oss", StringComparison.Ordinal)
            || (m.Length > 1 && m[0] == 'o' && char.IsAsciiDigit(m[1])))
        {
            return s_o200k;
        }
        if (m.StartsWith("gpt-4", StringComparison.Ordinal) || m.StartsWith("gpt-3.5", StringComparison.Ordinal) || m.StartsWith("text-embedding-", StringComparison.Ordinal))
        {
            return s_cl100k;
        }
        return null;
    }
}
