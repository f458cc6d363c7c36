using System;
using System.Net.Http;
using System.Net.Http.Headers;

namespace Tokenlay.Emulator.Keys;

/// <summary>
/// How a request reaches each kind of provider with a connected key: the URL of an OpenAI-shaped
/// endpoint and the header that carries the key. <c>openai</c> and <c>openai-compatible</c> take the
/// OpenAI shape at their base with <c>Authorization: Bearer</c>; <c>azure-openai</c> takes it at
/// <c>{base}/openai/deployments/{deployment}/{endpoint}?api-version=…</c> with <c>api-key</c>;
/// <c>anthropic</c> takes it at its OpenAI-compatible endpoint with <c>x-api-key</c> and <c>anthropic-version</c>.
/// </summary>
internal static class ProviderRoute
{
    /// <summary>The <c>anthropic-version</c> Anthropic's API asks for.</summary>
    public const string AnthropicVersion = "2023-06-01";

    /// <summary>Where the OpenAI endpoint <paramref name="endpoint"/> (<c>chat/completions</c>, <c>embeddings</c>…) is served.</summary>
    public static Uri Url(ResolvedKey key, string endpoint)
    {
        string root = key.BaseUrl.TrimEnd('/');
        if (key.Provider != KeyProviders.AzureOpenAI)
        {
            return new Uri(root + "/" + endpoint);
        }
        string version = Uri.EscapeDataString(key.ApiVersion ?? KeyProviders.DefaultAzureApiVersion);
        // The Responses API is served per resource, not per deployment; the deployment is the model.
        return endpoint == "responses"
            ? new Uri($"{root}/openai/responses?api-version={version}")
            : new Uri($"{root}/openai/deployments/{Uri.EscapeDataString(key.Deployment ?? "")}/{endpoint}?api-version={version}");
    }

    /// <summary>What validation asks: the model list (<c>GET {base}/models</c>), or for Azure the deployment itself.</summary>
    public static Uri ValidationUrl(ResolvedKey key)
    {
        string root = key.BaseUrl.TrimEnd('/');
        return key.Provider == KeyProviders.AzureOpenAI
            ? new Uri($"{root}/openai/deployments/{Uri.EscapeDataString(key.Deployment ?? "")}?api-version={Uri.EscapeDataString(key.ApiVersion ?? KeyProviders.DefaultAzureApiVersion)}")
            : new Uri(root + "/models");
    }

    /// <summary>Puts the key on <paramref name="message"/> in the header the provider reads.</summary>
    public static void Authorize(HttpRequestMessage message, ResolvedKey key)
    {
        switch (key.Provider)
        {
            case KeyProviders.AzureOpenAI:
                message.Headers.TryAddWithoutValidation("api-key", key.Secret);
                break;
            case KeyProviders.Anthropic:
                message.Headers.TryAddWithoutValidation("x-api-key", key.Secret);
                message.Headers.TryAddWithoutValidation("anthropic-version", AnthropicVersion);
                break;
            default:
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Secret);
                break;
        }
    }
}
