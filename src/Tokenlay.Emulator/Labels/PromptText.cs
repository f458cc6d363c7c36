using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Labels;

/// <summary>
/// The text a prompt is labeled on: the user's messages only (system and assistant messages are the
/// app's, not the user's intent). Chat's <c>messages</c> with role <c>user</c>, the Responses API's
/// <c>input</c> (a string, or its user items), the legacy <c>prompt</c>. Embeddings and moderations
/// are not conversations and are not labeled.
/// </summary>
internal static class PromptText
{
    /// <summary>The text to label for a call to <paramref name="endpoint"/>; null when the endpoint is not a conversation.</summary>
    public static string? Of(string endpoint, JsonObject body)
    {
        var text = new StringBuilder();
        switch (endpoint)
        {
            case "chat/completions":
                UserItems(body["messages"], text);
                break;
            case "responses":
                if (body["input"] is JsonValue single && single.GetValueKind() == JsonValueKind.String)
                {
                    text.Append(single.GetValue<string>());
                }
                else
                {
                    UserItems(body["input"], text);
                }
                break;
            case "completions":
                Append(body["prompt"], text);
                break;
            default:
                return null;
        }
        return text.ToString();
    }

    private static void UserItems(JsonNode? items, StringBuilder text)
    {
        if (items is not JsonArray array)
        {
            return;
        }
        foreach (JsonNode? item in array)
        {
            if (item is JsonObject message && message["role"] is JsonValue role && role.GetValueKind() == JsonValueKind.String && role.GetValue<string>() == "user")
            {
                Append(message["content"], text);
            }
        }
    }

    // Content is a string or a list of parts; a part's text is in "text" (chat's text, the Responses API's input_text).
    private static void Append(JsonNode? content, StringBuilder text)
    {
        switch (content)
        {
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                text.Append(v.GetValue<string>()).Append('\n');
                break;
            case JsonArray parts:
                foreach (JsonNode? part in parts)
                {
                    if (part is JsonObject p)
                    {
                        Append(p["text"], text);
                    }
                    else
                    {
                        Append(part, text); // the legacy prompt may be a list of strings
                    }
                }
                break;
        }
    }

    /// <summary>The most text the model labeler is sent; longer texts keep their first and last halves of it.</summary>
    public const int MaxLabeledChars = 32_000;

    /// <summary>The text, shortened to <see cref="MaxLabeledChars"/> by keeping both ends (where instructions usually are).</summary>
    public static string Bounded(string text) => text.Length <= MaxLabeledChars
        ? text
        : text[..(MaxLabeledChars / 2)] + "\n...\n" + text[^(MaxLabeledChars / 2)..];
}
