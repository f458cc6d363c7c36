using System;

namespace Tokenlay.Emulator.Keys;

/// <summary>
/// The providers a connected key may be for, and where each is reached when the connection names
/// no <c>base_url</c>. <c>openai-compatible</c> (OpenRouter, vLLM, Ollama…) and <c>azure-openai</c>
/// (a resource's own endpoint) have no default: their base is required.
/// </summary>
internal static class KeyProviders
{
    public const string OpenAI = "openai";
    public const string Anthropic = "anthropic";
    public const string AzureOpenAI = "azure-openai";
    public const string OpenAICompatible = "openai-compatible";

    /// <summary>The Azure OpenAI data-plane version used when a connection names none (the latest GA one).</summary>
    public const string DefaultAzureApiVersion = "2024-10-21";

    public static readonly string[] All = [OpenAI, Anthropic, AzureOpenAI, OpenAICompatible];

    /// <summary>The provider named exactly (lower case), or null.</summary>
    public static string? Parse(string? name) => Array.IndexOf(All, name) >= 0 ? name : null;

    /// <summary>The provider's own base when the connection gives none; null when one is required.</summary>
    public static string? DefaultBase(string provider) => provider switch
    {
        OpenAI => "https://api.openai.com/v1",
        // Anthropic's OpenAI-compatible endpoint lives under the same /v1 as its own API.
        Anthropic => "https://api.anthropic.com/v1",
        _ => null,
    };

    /// <summary>The provider name the price table knows, for costing calls made with the key.</summary>
    public static string? PriceProvider(string provider) => provider switch
    {
        OpenAI => "openai",
        Anthropic => "anthropic",
        AzureOpenAI => "openai", // Azure serves OpenAI's models at OpenAI's list prices
        _ => null,
    };
}
