using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Tokenlay.Companion;

namespace Tokenlay.Contract.Tests;

/// <summary>
/// Reads an emulator answer with the SDK's own source-generated types, both ways strict: a field the
/// emulator sends that the SDK type lacks fails the read (<see cref="JsonUnmappedMemberHandling.Disallow"/>),
/// and a field the SDK type has that the emulator never sent (written back as anything but null) fails too.
/// </summary>
internal static class StrictReader
{
    // A copy of the SDK's options (naming policy and all), with unmapped members refused.
    private static readonly TokenlayJsonContext Strict = new(new JsonSerializerOptions(TokenlayJsonContext.Default.Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    });

    /// <summary>The type info of <typeparamref name="T"/> in the strict copy of the SDK's context.</summary>
    public static JsonTypeInfo<T> TypeOf<T>() => (JsonTypeInfo<T>)Strict.GetTypeInfo(typeof(T))!;

    /// <summary>Reads <paramref name="json"/> as <typeparamref name="T"/>; returns what disagrees, empty when nothing does.</summary>
    public static List<string> Check<T>(string json, out T? value)
    {
        var problems = new List<string>();
        value = default;
        try
        {
            value = JsonSerializer.Deserialize(WithoutTypeTags(json), TypeOf<T>());
        }
        catch (JsonException e)
        {
            problems.Add($"the SDK's {typeof(T).Name} cannot read it: {e.Message}");
            return problems;
        }
        JsonNode? sent = JsonNode.Parse(json);
        JsonNode? modelled = JsonSerializer.SerializeToNode(value!, TypeOf<T>());
        Compare(sent, modelled, "$", typeof(T).Name, problems);
        return problems;
    }

    // "object" names the kind of answer (Stripe's and OpenAI's convention); the SDK type the answer is
    // read into is that name, so the tag is the one member no property has to hold.
    private static string WithoutTypeTags(string json)
    {
        JsonNode? node = JsonNode.Parse(json);
        Strip(node);
        return node?.ToJsonString() ?? "null";

        static void Strip(JsonNode? n)
        {
            if (n is JsonObject o)
            {
                o.Remove("object");
                foreach ((_, JsonNode? child) in o)
                {
                    Strip(child);
                }
            }
            else if (n is JsonArray a)
            {
                foreach (JsonNode? child in a)
                {
                    Strip(child);
                }
            }
        }
    }

    private static void Compare(JsonNode? sent, JsonNode? modelled, string path, string type, List<string> problems)
    {
        if (sent is JsonObject sentObject && modelled is JsonObject modelObject)
        {
            foreach ((string name, JsonNode? modelValue) in modelObject)
            {
                if (!sentObject.TryGetPropertyValue(name, out JsonNode? sentValue))
                {
                    if (modelValue is not null)
                    {
                        problems.Add($"{path}.{name}: {type} has it, the emulator did not send it (read as {modelValue.ToJsonString()})");
                    }
                    continue;
                }
                Compare(sentValue, modelValue, path + "." + name, type, problems);
            }
        }
        else if (sent is JsonArray sentArray && modelled is JsonArray modelArray)
        {
            for (int i = 0; i < Math.Min(sentArray.Count, modelArray.Count); i++)
            {
                Compare(sentArray[i], modelArray[i], $"{path}[{i}]", type, problems);
            }
        }
    }
}
