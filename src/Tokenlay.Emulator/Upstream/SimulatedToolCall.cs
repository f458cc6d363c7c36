using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Upstream;

/// <summary>
/// Decides, deterministically, whether the simulated model answers a chat request with a tool call,
/// and builds arguments that conform to the tool's parameter schema, so that tool-calling loops
/// (Microsoft.Extensions.AI's function invocation, the OpenAI SDKs' runners) work offline.
/// </summary>
/// <remarks>
/// The model calls a tool when the request offers tools and <c>tool_choice</c> is not <c>none</c>,
/// and the conversation has not answered a tool call since the last user message: with
/// <c>required</c> or a named function it always calls, with <c>auto</c> it calls the first tool
/// (or the named one). Once a tool result follows, it answers in text.
/// </remarks>
internal sealed record SimulatedToolCall(string Id, string Name, string Arguments)
{
    public static SimulatedToolCall? For(JsonObject body)
    {
        if (body["tools"] is not JsonArray { Count: > 0 } tools)
        {
            return null;
        }
        JsonNode? choice = body["tool_choice"];
        string? mode = Str(choice);
        if (mode == "none")
        {
            return null;
        }
        string? named = Str(Prop(Prop(choice, "function"), "name"));
        if (mode != "required" && named is null && AnsweredSinceLastUserMessage(body))
        {
            return null;
        }
        JsonObject? function = tools
            .Select(t => Prop(t, "function") as JsonObject)
            .FirstOrDefault(f => f is not null && (named is null || Str(f["name"]) == named));
        if (Str(function?["name"]) is not { } name)
        {
            return null;
        }
        string arguments = MinimalInstance(function!["parameters"], depth: 0)?.ToJsonString() ?? "{}";
        return new SimulatedToolCall("call_" + Hash(name + arguments + (body["messages"]?.ToJsonString() ?? ""))[..24], name, arguments);
    }

    /// <summary>The text answer after tool results: it quotes them, so a test can see they arrived.</summary>
    public static string? AnswerFromToolResults(JsonObject body)
    {
        if (body["messages"] is not JsonArray messages || Str(Prop(messages.LastOrDefault(), "role")) != "tool")
        {
            return null;
        }
        var results = messages.Reverse().TakeWhile(m => Str(Prop(m, "role")) == "tool")
            .Select(m => Tokens.TokenCounter.TextOf(m?["content"])).Reverse();
        return "The tool said: " + string.Join("; ", results);
    }

    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["type"] = "function",
        ["function"] = new JsonObject { ["name"] = Name, ["arguments"] = Arguments },
    };

    private static bool AnsweredSinceLastUserMessage(JsonObject body)
    {
        if (body["messages"] is not JsonArray messages)
        {
            return false;
        }
        for (int i = messages.Count - 1; i >= 0; i--)
        {
            string? role = Str(Prop(messages[i], "role"));
            if (role == "user")
            {
                return false;
            }
            if (role is "tool" or "assistant")
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The smallest JSON value that a JSON schema accepts, preferring its enum, const, default or minimum.</summary>
    internal static JsonNode? MinimalInstance(JsonNode? schema, int depth)
    {
        if (schema is not JsonObject s || depth > 8)
        {
            return new JsonObject();
        }
        if (s["const"] is { } constant)
        {
            return constant.DeepClone();
        }
        if (s["enum"] is JsonArray { Count: > 0 } values)
        {
            return values[0]?.DeepClone();
        }
        if (s["default"] is { } fallback)
        {
            return fallback.DeepClone();
        }
        if ((s["anyOf"] ?? s["oneOf"]) is JsonArray { Count: > 0 } options)
        {
            return MinimalInstance(options[0], depth + 1);
        }
        string? type = s["type"] switch
        {
            JsonValue t when t.GetValueKind() == JsonValueKind.String => t.GetValue<string>(),
            JsonArray types => types.Select(Str).FirstOrDefault(t => t is not null && t != "null"),
            _ => s["properties"] is not null ? "object" : null,
        };
        switch (type)
        {
            case "object":
                var instance = new JsonObject();
                if (s["properties"] is JsonObject properties)
                {
                    foreach ((string key, JsonNode? property) in properties)
                    {
                        instance[key] = MinimalInstance(property, depth + 1);
                    }
                }
                return instance;
            case "array":
                var array = new JsonArray();
                long items = s["minItems"] is JsonValue min && min.TryGetValue(out long count) ? Math.Min(count, 8) : 0;
                for (long i = 0; i < items; i++)
                {
                    array.Add(MinimalInstance(s["items"], depth + 1));
                }
                return array;
            case "integer":
                return JsonValue.Create(s["minimum"] is JsonValue lo && lo.TryGetValue(out long least) ? least : 1);
            case "number":
                return JsonValue.Create(s["minimum"] is JsonValue low && low.TryGetValue(out double smallest) ? smallest : 1.0);
            case "boolean":
                return JsonValue.Create(true);
            case "null":
                return null;
            default:
                int length = s["minLength"] is JsonValue ml && ml.TryGetValue(out int minLength) ? Math.Min(minLength, 64) : 0;
                return JsonValue.Create(length > 7 ? new string('x', length) : "example");
        }
    }

    // Tools and schemas come from the caller unvalidated: read them without assuming their shape.
    private static JsonNode? Prop(JsonNode? node, string name) => node is JsonObject o ? o[name] : null;

    private static string? Str(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
}
