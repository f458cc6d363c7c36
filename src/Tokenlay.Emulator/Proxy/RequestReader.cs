using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Tokenlay.Emulator.Proxy;

/// <summary>
/// The first stage of a proxied call: reads the body (bounded in size and time) and checks every
/// field a later stage reads, with OpenAI's own caps. Whatever a client sends, the answer is a
/// <see cref="ProxyCall"/> or a 4xx <see cref="RequestError"/> naming the parameter; never a 500.
/// </summary>
internal static class RequestReader
{
    /// <summary>OpenAI's caps: embedding inputs per call, embedding dimensions, choices per call.</summary>
    public const int MaxEmbeddingInputs = 2048, MaxDimensions = 3072, MaxChoices = 128;

    /// <summary>Longest model name accepted; the name is echoed in headers and logs.</summary>
    public const int MaxModelLength = 256;

    private static readonly string[] s_roles = ["system", "developer", "user", "assistant", "tool", "function"];

    public static async Task<(ProxyCall? Call, RequestError? Error)> ReadAsync(HttpContext http, string endpoint, TokenlayEmulatorOptions options, Keys.KeyVault? vault = null)
    {
        (JsonObject? body, byte[] bytes, RequestError? unreadable) = await JsonBody.ReadAsync(http, options);
        if (body is null)
        {
            return (null, unreadable);
        }
        if (Validate(endpoint, body) is { } error)
        {
            return (null, error);
        }
        RequestMetadata metadata = RequestMetadata.From(http.Request.Headers);
        if (metadata.KeyRef is not null || metadata.KeyProvider is not null)
        {
            if (KeyOf(metadata, vault) is { } keyError)
            {
                return (null, keyError);
            }
        }
        else if (options.Forward)
        {
            if (metadata.ProviderKey is null)
            {
                return (null, new RequestError(400, "Forward mode needs the provider key: send x-tokenlay-provider-key (TokenlayOptions.ProviderApiKey).", "missing_provider_key", TokenlayHeaderNames.ProviderKey));
            }
            if (metadata.ProviderBase is { } providerBase
                && !(Uri.TryCreate(providerBase, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https" && !string.IsNullOrEmpty(uri.Host)))
            {
                return (null, new RequestError(400, "x-tokenlay-provider-base must be an absolute http or https URL, such as https://api.openai.com/v1 (TokenlayOptions.ProviderApiBase).", "invalid_provider_base", TokenlayHeaderNames.ProviderBase));
            }
        }
        return (ProxyCall.Of(endpoint, body, bytes, metadata), null);
    }

    /// <summary>
    /// Opens the connected key the call names (<c>x-tokenlay-key-ref</c>): its secret and base replace
    /// <c>x-tokenlay-provider-key</c> and <c>-base</c>, so sending a provider key as well is an error.
    /// </summary>
    private static RequestError? KeyOf(RequestMetadata metadata, Keys.KeyVault? vault)
    {
        if (metadata.KeyRef is not { } keyRef)
        {
            return new RequestError(400, "x-tokenlay-key-provider names which of a customer's keys to use, and needs x-tokenlay-key-ref naming the customer.", "missing_key_ref", TokenlayHeaderNames.KeyRef);
        }
        if (metadata.ProviderKey is not null)
        {
            return new RequestError(400, "Send x-tokenlay-key-ref or x-tokenlay-provider-key, not both: the connected key of the customer is the provider key.", "conflicting_provider_key", TokenlayHeaderNames.ProviderKey);
        }
        if (metadata.KeyProvider is { } provider && Keys.KeyProviders.Parse(provider) is null)
        {
            return new RequestError(400, $"x-tokenlay-key-provider must be one of {string.Join(", ", Keys.KeyProviders.All)}.", "invalid_value", TokenlayHeaderNames.KeyProvider);
        }
        if (vault is null)
        {
            return new RequestError(403, $"No key is connected for '{keyRef}'; connect one with POST /v1/keys.", TokenlayErrorCodes.KeyNotConnected, TokenlayHeaderNames.KeyRef, TokenlayErrorCodes.PermissionType);
        }
        (Keys.ResolvedKey? key, RequestError? error) = vault.Resolve(keyRef, metadata.KeyProvider);
        metadata.Key = key;
        return error;
    }

    /// <summary>Checks the fields the emulator reads; null when the body is fine.</summary>
    internal static RequestError? Validate(string endpoint, JsonObject body)
    {
        if (endpoint == "moderations" && body["model"] is null)
        {
            body["model"] = "omni-moderation-latest"; // the API's default
        }
        if (body["model"] is not JsonValue model || !model.TryGetValue(out string? name) || string.IsNullOrWhiteSpace(name))
        {
            return Missing("'model' is required and must be a non-empty string.", "model");
        }
        if (name.Length > MaxModelLength || name.Any(char.IsControl))
        {
            return Invalid($"'model' must be a model name: at most {MaxModelLength} characters, no control characters.", "model");
        }
        if (Check(body, "stream", JsonValueKind.True, JsonValueKind.False) is { } streamError)
        {
            return streamError;
        }
        if (body["stream_options"] is { } streamOptions)
        {
            if (streamOptions is not JsonObject so)
            {
                return Invalid("'stream_options' must be an object, such as {\"include_usage\": true}.", "stream_options");
            }
            if (Check(so, "include_usage", JsonValueKind.True, JsonValueKind.False) is not null)
            {
                return Invalid("'stream_options.include_usage' must be true or false.", "stream_options.include_usage");
            }
        }
        long cap = OutputCaps.For(name);
        foreach (string field in new[] { "max_tokens", "max_completion_tokens", "max_output_tokens" })
        {
            if (body[field] is { } max && (Long(max) is not { } m || m < 1))
            {
                return Invalid($"'{field}' must be a positive whole number.", field);
            }
            if (Long(body[field]) is { } asked && asked > cap)
            {
                // The provider's own refusal, word for word in substance: the number alone poisons no window.
                return Invalid($"'{field}' is too large: {asked}. The model {name} produces at most {cap} output tokens per choice.", field);
            }
        }
        if (body["n"] is { } n && (Long(n) is not { } count || count < 1 || count > MaxChoices))
        {
            return Invalid($"'n' must be a whole number from 1 to {MaxChoices}.", "n");
        }
        if (body["tools"] is { } tools && (tools is not JsonArray toolList || toolList.Any(t => t is not JsonObject)))
        {
            return Invalid("'tools' must be an array of tool objects.", "tools");
        }
        if (body["tool_choice"] is { } choice && choice is not JsonObject && !(choice is JsonValue cv && cv.TryGetValue(out string? _)))
        {
            return Invalid("'tool_choice' must be \"none\", \"auto\", \"required\" or an object naming a function.", "tool_choice");
        }
        if (body["response_format"] is { } format && (format is not JsonObject fo || !(fo["type"] is JsonValue tv && tv.TryGetValue(out string? _))))
        {
            return Invalid("'response_format' must be an object with a 'type', such as {\"type\": \"json_object\"}.", "response_format");
        }
        return endpoint switch
        {
            "chat/completions" => ValidateChat(body),
            "responses" => ValidateResponses(body),
            "completions" => ValidatePrompt(body, "prompt"),
            "moderations" => ValidatePrompt(body, "input"),
            _ => ValidateEmbeddings(body),
        };
    }

    private static RequestError? ValidateChat(JsonObject body)
    {
        if (body["messages"] is not JsonArray messages)
        {
            return Missing("'messages' is required and must be an array of messages.", "messages");
        }
        if (messages.Count == 0)
        {
            return Invalid("'messages' must contain at least one message.", "messages");
        }
        for (int i = 0; i < messages.Count; i++)
        {
            string where = $"messages[{i}]";
            if (messages[i] is not JsonObject message)
            {
                return Invalid($"{where} must be an object with a 'role'.", where);
            }
            if (message["role"] is not JsonValue role || !role.TryGetValue(out string? r) || !s_roles.Contains(r))
            {
                return Invalid($"{where}.role must be one of {string.Join(", ", s_roles)}.", where + ".role");
            }
            if (ValidateContent(message["content"], where + ".content") is { } contentError)
            {
                return contentError;
            }
            if (message["tool_calls"] is { } calls && (calls is not JsonArray callList || callList.Any(c => c is not JsonObject)))
            {
                return Invalid($"{where}.tool_calls must be an array of tool call objects.", where + ".tool_calls");
            }
            if (message["name"] is { } messageName && !(messageName is JsonValue nv && nv.TryGetValue(out string? _)))
            {
                return Invalid($"{where}.name must be a string.", where + ".name");
            }
        }
        return null;
    }

    private static RequestError? ValidateResponses(JsonObject body)
    {
        if (body["instructions"] is { } instructions && instructions is not JsonValue && instructions.GetValueKind() != JsonValueKind.Null)
        {
            return Invalid("'instructions' must be a string.", "instructions");
        }
        switch (body["input"])
        {
            case null:
                return Missing("'input' is required: a string, or an array of input items.", "input");
            case JsonValue v when v.TryGetValue(out string? _):
                return null;
            case JsonArray items:
                for (int i = 0; i < items.Count; i++)
                {
                    string where = $"input[{i}]";
                    if (items[i] is not JsonObject item)
                    {
                        return Invalid($"{where} must be an input item object, such as {{\"role\": \"user\", \"content\": \"hi\"}}.", where);
                    }
                    if (item["role"] is { } role && !(role is JsonValue rv && rv.TryGetValue(out string? r) && s_roles.Contains(r)))
                    {
                        return Invalid($"{where}.role must be one of {string.Join(", ", s_roles)}.", where + ".role");
                    }
                    if (ValidateContent(item["content"], where + ".content") is { } contentError)
                    {
                        return contentError;
                    }
                }
                return null;
            default:
                return Invalid("'input' must be a string or an array of input items.", "input");
        }
    }

    /// <summary>A legacy completion's <c>prompt</c> or a moderation's <c>input</c>: a string or an array of strings.</summary>
    private static RequestError? ValidatePrompt(JsonObject body, string name)
    {
        return body[name] switch
        {
            null => Missing($"'{name}' is required: a string or an array of strings.", name),
            JsonValue v when v.TryGetValue(out string? _) => null,
            JsonArray { Count: > 0 } items when items.All(i => i is JsonValue iv && iv.TryGetValue(out string? _) || i is JsonObject) => null,
            _ => Invalid($"'{name}' must be a string or a non-empty array of strings.", name),
        };
    }

    private static RequestError? ValidateEmbeddings(JsonObject body)
    {
        JsonNode? input = body["input"];
        switch (input)
        {
            case null:
                return Missing("'input' is required: a string or an array of strings.", "input");
            case JsonValue v when v.TryGetValue(out string? text):
                if (text.Length == 0)
                {
                    return Invalid("'input' must not be empty.", "input");
                }
                break;
            case JsonArray list:
                if (list.Count == 0 || list.Count > MaxEmbeddingInputs)
                {
                    return Invalid($"'input' must hold 1 to {MaxEmbeddingInputs} items.", "input");
                }
                for (int i = 0; i < list.Count; i++)
                {
                    bool ok = list[i] switch
                    {
                        JsonValue s when s.TryGetValue(out string? text) => text.Length > 0,
                        JsonValue t => Long(t) is >= 0,
                        JsonArray tokens => tokens.Count > 0 && tokens.All(t => Long(t) is >= 0),
                        _ => false,
                    };
                    if (!ok)
                    {
                        return Invalid($"input[{i}] must be a non-empty string, a token id, or a non-empty array of token ids.", $"input[{i}]");
                    }
                }
                break;
            default:
                return Invalid("'input' must be a string or an array of strings.", "input");
        }
        if (body["dimensions"] is { } dimensions && (Long(dimensions) is not { } d || d < 1 || d > MaxDimensions))
        {
            return Invalid($"'dimensions' must be a whole number from 1 to {MaxDimensions}.", "dimensions");
        }
        if (body["encoding_format"] is { } encoding && !(encoding is JsonValue ev && ev.TryGetValue(out string? e) && e is "float" or "base64"))
        {
            return Invalid("'encoding_format' must be \"float\" or \"base64\".", "encoding_format");
        }
        return null;
    }

    private static RequestError? ValidateContent(JsonNode? content, string where)
    {
        switch (content)
        {
            case null:
            case JsonValue v when v.TryGetValue(out string? _):
                return null;
            case JsonArray parts:
                for (int j = 0; j < parts.Count; j++)
                {
                    if (parts[j] is not JsonObject part || !(part["type"] is JsonValue t && t.TryGetValue(out string? _)))
                    {
                        return Invalid($"{where}[{j}] must be a content part object with a 'type', such as {{\"type\": \"text\", \"text\": \"hi\"}}.", $"{where}[{j}]");
                    }
                    if (part["text"] is { } text && !(text is JsonValue tv && tv.TryGetValue(out string? _)))
                    {
                        return Invalid($"{where}[{j}].text must be a string.", $"{where}[{j}].text");
                    }
                }
                return null;
            default:
                return Invalid($"{where} must be a string or an array of content parts.", where);
        }
    }

    private static RequestError? Check(JsonObject obj, string name, params JsonValueKind[] kinds) =>
        obj[name] is { } node && !kinds.Contains(node.GetValueKind()) && node.GetValueKind() != JsonValueKind.Null
            ? Invalid($"'{name}' must be {(kinds.Contains(JsonValueKind.True) ? "true or false" : "of another type")}.", name)
            : null;

    private static long? Long(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long n) ? n : null;

    private static RequestError Missing(string message, string param) => new(400, message, "missing_required_parameter", param);

    private static RequestError Invalid(string message, string param) => new(400, message, "invalid_value", param);
}
