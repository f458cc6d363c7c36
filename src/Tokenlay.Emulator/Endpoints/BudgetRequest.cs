using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenlay.Emulator.Proxy;

namespace Tokenlay.Emulator.Endpoints;

/// <summary>
/// The fields the budget endpoints (check, records, reservations) share: who the usage is for
/// (<c>metadata</c>), the <c>model</c> and <c>provider</c>, and token or USD amounts, each checked
/// with an error that names the field.
/// </summary>
internal sealed class BudgetRequest
{
    /// <summary>Largest token count or USD amount accepted in one request: far beyond real use, far below overflow.</summary>
    public const long MaxTokens = 1_000_000_000_000;
    public const decimal MaxUsd = 1_000_000_000m;

    public required RequestMetadata Metadata { get; init; }
    public required string Model { get; init; }
    public required string Provider { get; init; }

    public static (BudgetRequest? Request, RequestError? Error) Read(JsonObject body)
    {
        var fields = new List<KeyValuePair<string, string>>();
        switch (body["metadata"])
        {
            case null:
                break;
            case JsonObject metadata:
                foreach ((string name, JsonNode? value) in metadata)
                {
                    if (value is not JsonValue v || v.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                        || name.Length == 0 || name.Length > 64 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
                    {
                        return (null, Invalid($"metadata.{name} must be a string, number or boolean, under a name of letters, digits, '-', '_' or '.'.", "metadata." + name));
                    }
                    fields.Add(new(name, v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString()));
                }
                break;
            default:
                return (null, Invalid("'metadata' must be an object, such as {\"user\": \"u_123\", \"plan\": \"pro\"}.", "metadata"));
        }
        string? model = Text(body, "model");
        if (model is null || model.Length == 0 || model.Length > RequestReader.MaxModelLength || model.Any(char.IsControl))
        {
            return (null, Invalid("'model' is required and must be a model name, such as \"gpt-4o-mini\".", "model"));
        }
        string? provider = Text(body, "provider");
        if (body["provider"] is not null && provider is null)
        {
            return (null, Invalid("'provider' must be a string, such as \"openai\".", "provider"));
        }
        return (new BudgetRequest { Metadata = RequestMetadata.From(fields), Model = model, Provider = provider ?? "openai" }, null);
    }

    /// <summary>A whole number of tokens from 0 to <see cref="MaxTokens"/>; null when absent.</summary>
    public static (long? Value, RequestError? Error) Tokens(JsonObject obj, string name, string where)
    {
        if (obj[name] is not { } node)
        {
            return (null, null);
        }
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long n) && n is >= 0 and <= MaxTokens
            ? (n, null)
            : (null, Invalid($"'{where}' must be a whole number of tokens from 0 to {MaxTokens}.", where));
    }

    /// <summary>A USD amount from 0 to <see cref="MaxUsd"/>; null when absent.</summary>
    public static (decimal? Value, RequestError? Error) Usd(JsonObject obj, string name, string where)
    {
        if (obj[name] is not { } node)
        {
            return (null, null);
        }
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out decimal d) && d >= 0 && d <= MaxUsd
            ? (d, null)
            : (null, Invalid($"'{where}' must be an amount of USD from 0 to {MaxUsd.ToString(CultureInfo.InvariantCulture)}.", where));
    }

    public static string? Text(JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static RequestError Invalid(string message, string param) => new(400, message, "invalid_value", param);
}
