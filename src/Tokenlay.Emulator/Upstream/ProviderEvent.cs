using System;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Upstream;

/// <summary>
/// What the proxy reads from one provider reply or streamed event, parsed once: the usage it claims
/// (as found, negative numbers too, for the settle stage to check), the text it carries (for our own
/// count), and whether it is the usage-only chunk the proxy asked for on its own.
/// </summary>
internal readonly record struct ProviderEvent(long Input, long Output, bool UsageFound, string? Text, bool UsageOnly)
{
    public static ProviderEvent Read(ReadOnlySpan<byte> json)
    {
        if (json.IsEmpty || json[0] != (byte)'{')
        {
            return default;
        }
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return default;
        }
        try
        {
            (long input, long output, bool found) = Usage(root?["usage"] as JsonObject ?? (root?["response"] as JsonObject)?["usage"] as JsonObject);
            bool usageOnly = root?["choices"] is JsonArray { Count: 0 } && root["usage"] is JsonObject;
            return new ProviderEvent(input, output, found, TextOf(root), usageOnly);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            return default; // a provider's odd shape is not ours to fail on
        }
    }

    private static (long, long, bool) Usage(JsonObject? usage)
    {
        if (usage is null)
        {
            return (0, 0, false);
        }
        long? input = Long(usage["prompt_tokens"]) ?? Long(usage["input_tokens"]);
        long? output = Long(usage["completion_tokens"]) ?? Long(usage["output_tokens"]);
        // A usage object with unreadable numbers (strings, fractions, 1e300) is a claim we cannot use.
        return input is null || output is null ? (-1, -1, true) : (input.Value, output.Value, true);

        static long? Long(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long n) ? n : null;
    }

    private static string TextOf(JsonNode? root)
    {
        var text = new StringBuilder();
        if (root?["choices"] is JsonArray choices)
        {
            foreach (JsonNode? choice in choices)
            {
                JsonObject? message = (choice as JsonObject)?["delta"] as JsonObject ?? (choice as JsonObject)?["message"] as JsonObject;
                text.Append(Tokens.TokenCounter.TextOf(message?["content"]));
                if (message?["tool_calls"] is JsonArray calls)
                {
                    foreach (JsonNode? call in calls)
                    {
                        JsonObject? function = (call as JsonObject)?["function"] as JsonObject;
                        text.Append(Tokens.TokenCounter.TextOf(function?["name"])).Append(Tokens.TokenCounter.TextOf(function?["arguments"]));
                    }
                }
            }
        }
        else if (root?["type"] is JsonValue type && type.TryGetValue(out string? t) && t.EndsWith(".delta", StringComparison.Ordinal))
        {
            text.Append(Tokens.TokenCounter.TextOf(root["delta"]));
        }
        else if (root?["output"] is JsonArray output)
        {
            foreach (JsonNode? item in output)
            {
                text.Append(Tokens.TokenCounter.TextOf((item as JsonObject)?["content"])).Append(Tokens.TokenCounter.TextOf((item as JsonObject)?["arguments"]));
            }
        }
        return text.ToString();
    }
}
