using System;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tokenlay;

/// <summary>
/// Where a connected key stands: <see cref="Active"/> (the provider accepted it), <see cref="Unverified"/>
/// (not checked: the emulator's simulated mode, or connected with validation off), <see cref="Invalid"/>
/// (a later check failed) or <see cref="Revoked"/>. An extensible enum: unknown values are kept as sent.
/// </summary>
[JsonConverter(typeof(TokenlayKeyStatusConverter))]
public readonly struct TokenlayKeyStatus : IEquatable<TokenlayKeyStatus>
{
    private readonly string? _value;

    /// <summary>A status by its wire name.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is null or empty.</exception>
    public TokenlayKeyStatus(string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException("A key status needs a name, such as active.", nameof(value));
        }
        _value = value;
    }

    /// <summary>The provider accepted the key when it was last validated.</summary>
    public static TokenlayKeyStatus Active { get; } = new("active");

    /// <summary>The key was not checked with its provider.</summary>
    public static TokenlayKeyStatus Unverified { get; } = new("unverified");

    /// <summary>The provider refused the key when it was last validated.</summary>
    public static TokenlayKeyStatus Invalid { get; } = new("invalid");

    /// <summary>The key was revoked: its secret is erased and calls naming it are refused.</summary>
    public static TokenlayKeyStatus Revoked { get; } = new("revoked");

    /// <summary>The wire name.</summary>
    public override string ToString() => _value ?? "";

    /// <inheritdoc />
    public bool Equals(TokenlayKeyStatus other) => string.Equals(_value, other._value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TokenlayKeyStatus other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(_value);

    /// <summary>Compares by wire name, ignoring case.</summary>
    public static bool operator ==(TokenlayKeyStatus left, TokenlayKeyStatus right) => left.Equals(right);

    /// <summary>Compares by wire name, ignoring case.</summary>
    public static bool operator !=(TokenlayKeyStatus left, TokenlayKeyStatus right) => !left.Equals(right);

    /// <summary>A status by its wire name.</summary>
    public static implicit operator TokenlayKeyStatus(string value) => new(value);
}

/// <summary>Reads and writes <see cref="TokenlayKeyStatus"/> as its wire name.</summary>
internal sealed class TokenlayKeyStatusConverter : JsonConverter<TokenlayKeyStatus>
{
    public override TokenlayKeyStatus Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() is { Length: > 0 } text ? new TokenlayKeyStatus(text) : default;

    public override void Write(Utf8JsonWriter writer, TokenlayKeyStatus value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
