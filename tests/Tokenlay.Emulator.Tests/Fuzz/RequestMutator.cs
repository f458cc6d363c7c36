using System.Text;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Tests.Fuzz;

/// <summary>
/// Turns a valid OpenAI request into a hostile one, deterministically from a seed: values replaced by
/// values of other types (huge, negative, non-ASCII, control characters, deep nesting), properties
/// dropped or duplicated, bytes truncated or made invalid UTF-8.
/// </summary>
internal static class RequestMutator
{
    public static readonly (string Path, string Body)[] Seeds =
    [
        ("/v1/chat/completions", """{"model":"gpt-4o-mini","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi there"}],"max_tokens":20}"""),
        ("/v1/chat/completions", """{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"n":1,"messages":[{"role":"user","content":[{"type":"text","text":"hello"}]}]}"""),
        ("/v1/chat/completions", """{"model":"gpt-4.1","tool_choice":"required","tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string","minLength":2},"days":{"type":"integer","minimum":1}},"required":["city"]}}}],"messages":[{"role":"user","content":"weather?"}]}"""),
        ("/v1/chat/completions", """{"model":"gpt-4o-mini","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"x"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"42"}]}"""),
        ("/v1/responses", """{"model":"gpt-4o","input":"tell me a joke","instructions":"be funny","max_output_tokens":30}"""),
        ("/v1/responses", """{"model":"o3","stream":true,"input":[{"role":"user","content":[{"type":"input_text","text":"hi"}]}]}"""),
        ("/v1/embeddings", """{"model":"text-embedding-3-small","input":["one","two"],"dimensions":8,"encoding_format":"base64"}"""),
        ("/v1/embeddings", """{"model":"text-embedding-3-large","input":[[1,2,3],[4,5]]}"""),
        ("/v1/completions", """{"model":"gpt-3.5-turbo-instruct","prompt":["say hi","and bye"],"max_tokens":5,"stream":true}"""),
        ("/v1/moderations", """{"input":["a friendly message",{"type":"text","text":"hi"}]}"""),
    ];

    private static readonly JsonNode?[] s_values =
    [
        null, true, false, 0, -1, 1, 128, 129, 3072, 3073, 2049, long.MaxValue, long.MinValue, 1e308, -1e308, 0.5, "", " ", "x",
        "gpt-4o", "modèle-ü", "a\r\nb", "\u0000", "\ud83d\ude00", new string('x', 5000), "required", "none", "auto", "json_schema",
        "user", "tool", "base64", "float",
    ];

    public static byte[] Mutate(int seedIndex, int seed, int steps)
    {
        var random = new Random(seed);
        JsonNode root = JsonNode.Parse(Seeds[seedIndex].Body)!;
        int textMutation = -1;
        for (int i = 0; i < steps; i++)
        {
            int kind = random.Next(10);
            if (kind == 9)
            {
                textMutation = random.Next(4);
                continue;
            }
            List<(JsonNode Parent, object Key)> slots = Slots(root).ToList();
            if (slots.Count == 0)
            {
                break;
            }
            (JsonNode parent, object key) = slots[random.Next(slots.Count)];
            JsonNode? replacement = kind switch
            {
                < 5 => s_values[random.Next(s_values.Length)]?.DeepClone() ?? null,
                5 => new JsonArray(s_values[random.Next(s_values.Length)]?.DeepClone(), new JsonObject()),
                6 => new JsonObject { ["type"] = s_values[random.Next(s_values.Length)]?.DeepClone(), ["text"] = random.Next(2) == 0 ? 5 : "t" },
                7 => Nest(random.Next(1, 80)),
                _ => null,
            };
            if (kind == 8 && parent is JsonObject dropFrom)
            {
                dropFrom.Remove((string)key);
            }
            else if (parent is JsonObject obj)
            {
                obj[(string)key] = replacement;
            }
            else if (parent is JsonArray array)
            {
                array[(int)key] = replacement;
            }
        }
        byte[] bytes = Encoding.UTF8.GetBytes(root.ToJsonString());
        return textMutation switch
        {
            0 => bytes[..random.Next(bytes.Length)],                                                   // truncated
            1 => [.. bytes[..(bytes.Length / 2)], 0xff, 0xc0, .. bytes[(bytes.Length / 2)..]],         // invalid UTF-8
            2 => Encoding.UTF8.GetBytes("{\"model\":\"gpt-4o\"," + Encoding.UTF8.GetString(bytes)[1..]), // duplicate model
            3 => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace(":", ": [", StringComparison.Ordinal)), // unbalanced
            _ => bytes,
        };
    }

    private static JsonNode Nest(int depth)
    {
        JsonNode node = new JsonArray();
        for (int i = 0; i < depth; i++)
        {
            node = i % 2 == 0 ? new JsonArray(node) : new JsonObject { ["a"] = node };
        }
        return node;
    }

    private static IEnumerable<(JsonNode Parent, object Key)> Slots(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach ((string key, JsonNode? child) in obj.ToList())
                {
                    yield return (obj, key);
                    if (child is not null)
                    {
                        foreach (var slot in Slots(child)) yield return slot;
                    }
                }
                break;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    yield return (array, i);
                    if (array[i] is { } child)
                    {
                        foreach (var slot in Slots(child)) yield return slot;
                    }
                }
                break;
        }
    }
}
