using System;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Upstream;

/// <summary>
/// Token counts for simulated replies: about four characters a token plus a small per-message
/// overhead, the rule of thumb OpenAI documents. Good enough for metering tests; not a tokenizer.
/// </summary>
internal static class TokenEstimator
{
    public static long Count(string? text) => string.IsNullOrEmpty(text) ? 0 : Math.Max(1, (text.Length + 3) / 4);

    public static long CountMessages(JsonArray messages)
    {
        long total = 3; // every reply is primed with a few tokens
        foreach (JsonNode? message in messages)
        {
            total += 4 + Count(TextOf(message?["content"]));
        }
        return total;
    }

    /// <summary>The text of a message content: a string, or the text parts of an array of parts.</summary>
    public static string TextOf(JsonNode? content)
    {
        switch (content)
        {
            case null:
                return "";
            case JsonValue value when value.TryGetValue(out string? text):
                return text;
            case JsonArray parts:
                var builder = new System.Text.StringBuilder();
                foreach (JsonNode? part in parts)
                {
                    if (part?["text"] is JsonValue t && t.TryGetValue(out string? s))
                    {
                        builder.Append(s);
                    }
                    else if (part is JsonValue v && v.TryGetValue(out string? plain))
                    {
                        builder.Append(plain);
                    }
                    else if (part?["content"] is { } inner)
                    {
                        builder.Append(TextOf(inner));
                    }
                }
                return builder.ToString();
            default:
                return content.ToJsonString();
        }
    }
}
