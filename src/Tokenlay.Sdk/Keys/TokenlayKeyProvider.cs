using System;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tokenlay;

/// <summary>
/// The provider a connected key is for: <see cref="OpenAI"/>, <see cref="Anthropic"/>,
/// <see cref="AzureOpenAI"/> or <see cref="OpenAICompatible"/> (OpenRouter, vLLM, Ollama, any
/// server speaking the OpenAI API). An extensible enum: a value this SDK does not know yet is kept as sent.
/// </summary>
[JsonConverter(typeof(TokenlayKeyProviderConverter))]
public readonly struct TokenlayKeyProvider : IEquatable<TokenlayKeyProvider>
{
    private readonly string? _value;

    /// <summary>A provider by its wire name.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is null or empty.</exception>
    public TokenlayKeyProvider(string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException("A key provider needs a name, such as openai or openai-compatible.", nameof(value));
        }
        _value = value;
    }

    /// <summary>OpenAI (<c>openai</c>); base <c>https://api.openai.com/v1</c> unless given.</summary>
    public static TokenlayKeyProvider OpenAI { get; } = new("openai");

    /// <summary>Anthropic (<c>anthropic</c>), through its OpenAI-compatible endpoint; base <c>https://api.anthropic.com/v1</c> unless given.</summary>
    public static TokenlayKeyProvider Anthropic { get; } = new("anthropic");

    /// <summary>Azure OpenAI (<c>azure-openai</c>): needs the resource endpoint as base and a deployment.</summary>
    public static TokenlayKeyProvider AzureOpenAI { get; } = new("azure-openai");

    /// <summary>Any OpenAI-compatible server (<c>openai-compatible</c>): OpenRouter, vLLM, Ollama… Needs a base.</summary>
    public static TokenlayKeyProvider OpenAICompatible { get; } = new("openai-compatible");

    /// <summary>The wire name.</summary>
    public override string ToString() => _value ?? "";

    /// <inheritdoc />
    public bool Equals(TokenlayKeyProvider other) => string.Equals(_value, other._value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TokenlayKeyProvider other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(_value);

    /// <summary>Compares by wire name, ignoring case.</summary>
    public static bool operator ==(TokenlayKeyProvider left, TokenlayKeyProvider right) => left.Equals(right);

    /// <summary>Compares by wire name, ignoring case.</summary>
    public static bool operator !=(TokenlayKeyProvider left, TokenlayKeyProvider right) => !left.Equals(right);

    /// <summary>A provider by its wire name.</summary>
    public static implicit operator TokenlayKeyProvider(string value) => new(value);
}

/// <summary>Reads and writes <see cref="TokenlayKeyProvider"/> as its wire name.</summary>
internal sealed class TokenlayKeyProviderConverter : JsonConverter<TokenlayKeyProvider>
{
    public override TokenlayKeyProvider Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() is { Length: > 0 } text ? new TokenlayKeyProvider(text) : default;

    public override void Write(Utf8JsonWriter writer, TokenlayKeyProvider value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
