using System;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenlay.Emulator.Proxy;

namespace Tokenlay.Emulator.Keys;

/// <summary>
/// The body of <c>POST /v1/keys</c>, read and checked: every field a 400 naming it when wrong, and
/// never the secret quoted in a message. <see cref="ToString"/> leaves the secret out.
/// </summary>
internal sealed class KeyConnection
{
    public const int MaxRefIdLength = 200, MaxLabelLength = 200, MinKeyLength = 8, MaxKeyLength = 4096;

    public required string RefId { get; init; }
    public required string Provider { get; init; }
    public required string Secret { get; init; }
    public required string BaseUrl { get; init; }
    public string? Deployment { get; init; }
    public string? ApiVersion { get; init; }
    public string? Label { get; init; }
    public bool Validate { get; init; } = true;

    public static (KeyConnection? Connection, RequestError? Error) Read(JsonObject body)
    {
        if (Text(body, "ref_id", MaxRefIdLength, required: true) is { Error: { } refError })
        {
            return (null, refError);
        }
        string refId = (string)body["ref_id"]!;
        (string? providerName, RequestError? providerError) = Text(body, "provider", 64, required: true);
        if (providerError is not null)
        {
            return (null, providerError);
        }
        if (KeyProviders.Parse(providerName) is not { } provider)
        {
            return (null, Invalid($"'provider' must be one of {string.Join(", ", KeyProviders.All)}.", "provider"));
        }
        (string? secret, RequestError? keyError) = ReadSecret(body);
        if (keyError is not null)
        {
            return (null, keyError);
        }
        (string? baseUrl, RequestError? baseError) = Text(body, "base_url", 2048, required: false);
        if (baseError is not null)
        {
            return (null, baseError);
        }
        if (baseUrl is null && KeyProviders.DefaultBase(provider) is null)
        {
            return (null, Missing($"'base_url' is required for {provider}: " + (provider == KeyProviders.AzureOpenAI
                ? "the resource's endpoint, such as https://my-resource.openai.azure.com."
                : "the server's OpenAI-compatible base, such as https://openrouter.ai/api/v1."), "base_url"));
        }
        if (baseUrl is not null && !(Uri.TryCreate(baseUrl, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https" && !string.IsNullOrEmpty(uri.Host) && uri.Query.Length == 0 && uri.Fragment.Length == 0))
        {
            return (null, Invalid("'base_url' must be an absolute http or https URL without query or fragment, such as https://openrouter.ai/api/v1.", "base_url"));
        }
        (string? label, RequestError? labelError) = Text(body, "label", MaxLabelLength, required: false);
        if (labelError is not null)
        {
            return (null, labelError);
        }
        string? deployment = null, apiVersion = null;
        if (body["config"] is { } configNode && configNode.GetValueKind() != JsonValueKind.Null)
        {
            if (configNode is not JsonObject config)
            {
                return (null, Invalid("'config' must be an object, such as {\"deployment\": \"gpt-4o\", \"api_version\": \"2024-10-21\"}.", "config"));
            }
            (deployment, RequestError? deploymentError) = Text(config, "deployment", 256, required: false, "config.");
            (apiVersion, RequestError? versionError) = Text(config, "api_version", 64, required: false, "config.");
            if ((deploymentError ?? versionError) is { } configError)
            {
                return (null, configError);
            }
            if (deployment is not null && deployment.Any(c => c is '/' or '?' or '#' or '\\'))
            {
                return (null, Invalid("'config.deployment' must be a deployment name, without '/', '?', '#' or '\\'.", "config.deployment"));
            }
        }
        if (provider == KeyProviders.AzureOpenAI && deployment is null)
        {
            return (null, Missing("'config.deployment' is required for azure-openai: the deployment calls are sent to.", "config.deployment"));
        }
        bool validate = true;
        if (body["validate"] is { } validateNode)
        {
            if (validateNode.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                return (null, Invalid("'validate' must be true or false.", "validate"));
            }
            validate = validateNode.GetValueKind() == JsonValueKind.True;
        }
        return (new KeyConnection
        {
            RefId = refId,
            Provider = provider,
            Secret = secret!,
            BaseUrl = (baseUrl ?? KeyProviders.DefaultBase(provider)!).TrimEnd('/'),
            Deployment = provider == KeyProviders.AzureOpenAI ? deployment : null,
            ApiVersion = provider == KeyProviders.AzureOpenAI ? apiVersion ?? KeyProviders.DefaultAzureApiVersion : null,
            Label = label,
            Validate = validate,
        }, null);
    }

    /// <summary>The <c>key</c> field: required, 8 to 4096 printable characters, no spaces. The error never quotes it.</summary>
    public static (string? Secret, RequestError? Error) ReadSecret(JsonObject body)
    {
        if (body["key"] is null || body["key"]!.GetValueKind() == JsonValueKind.Null)
        {
            return (null, Missing("'key' is required: the provider API key to keep.", "key"));
        }
        if (body["key"] is not JsonValue v || !v.TryGetValue(out string? secret))
        {
            return (null, Invalid("'key' must be a string.", "key"));
        }
        if (secret.Length == 0)
        {
            return (null, Invalid("'key' must not be empty.", "key"));
        }
        if (secret.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return (null, Invalid("'key' must not contain spaces, CR, LF or other control characters.", "key"));
        }
        if (secret.Length is < MinKeyLength or > MaxKeyLength)
        {
            // Shorter, and its four-character hint would be most of it.
            return (null, Invalid($"'key' must be {MinKeyLength} to {MaxKeyLength} characters long.", "key"));
        }
        return (secret, null);
    }

    /// <summary>The last four characters: all a response ever shows of a secret.</summary>
    public static string Hint(string secret) => secret[^4..];

    public override string ToString() => $"KeyConnection {{ RefId = {RefId}, Provider = {Provider}, BaseUrl = {BaseUrl}, Key = ****{Hint(Secret)} }}";

    private static (string? Value, RequestError? Error) Text(JsonObject body, string name, int max, bool required, string prefix = "")
    {
        string param = prefix + name;
        JsonNode? node = body[name];
        if (node is null || node.GetValueKind() == JsonValueKind.Null)
        {
            return (null, required ? Missing($"'{param}' is required.", param) : null);
        }
        if (node is not JsonValue v || !v.TryGetValue(out string? text))
        {
            return (null, Invalid($"'{param}' must be a string.", param));
        }
        if (text.Trim().Length == 0)
        {
            return (null, Invalid($"'{param}' must not be empty.", param));
        }
        if (text.Any(char.IsControl))
        {
            return (null, Invalid($"'{param}' must not contain CR, LF or other control characters.", param));
        }
        if (text.Length > max)
        {
            return (null, Invalid($"'{param}' must be at most {max} characters.", param));
        }
        return (text, null);
    }

    internal static RequestError Missing(string message, string param) => new(400, message, "missing_required_parameter", param);

    internal static RequestError Invalid(string message, string param) => new(400, message, "invalid_value", param);
}
