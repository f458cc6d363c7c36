using System;
using System.Text.Json.Serialization;

namespace Tokenlay;

/// <summary>
/// What a limit counts: <see cref="Requests"/>, <see cref="Tokens"/>, <see cref="Cost"/> (USD) or <see cref="Concurrent"/> calls in flight. An extensible enum: a value this version does not know is kept as sent.
/// </summary>
[JsonConverter(typeof(TokenlayLimitTypeConverter))]
public readonly struct TokenlayLimitType : IEquatable<TokenlayLimitType>
{
    private readonly string? _value;

    /// <summary>A value by its wire name.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is null or empty.</exception>
    public TokenlayLimitType(string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException("A limit type needs a name, such as tokens.", nameof(value));
        }
        _value = value;
    }

    /// <summary>Calls started in the window.</summary>
    public static TokenlayLimitType Requests { get; } = new("requests");

    /// <summary>Input plus output tokens in the window.</summary>
    public static TokenlayLimitType Tokens { get; } = new("tokens");

    /// <summary>USD spent in the window.</summary>
    public static TokenlayLimitType Cost { get; } = new("cost");

    /// <summary>Calls in flight at once.</summary>
    public static TokenlayLimitType Concurrent { get; } = new("concurrent");

    /// <summary>The wire name.</summary>
    public override string ToString() => _value ?? "";

    /// <inheritdoc />
    public bool Equals(TokenlayLimitType other) => string.Equals(_value, other._value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TokenlayLimitType other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(_value);

    /// <summary>Compares by wire name, ignoring case.</summary>
    public static bool operator ==(TokenlayLimitType left, TokenlayLimitType right) => left.Equals(right);

    /// <summary>Compares by wire name, ignoring case.</summary>
    public static bool operator !=(TokenlayLimitType left, TokenlayLimitType right) => !left.Equals(right);

    /// <summary>A value by its wire name.</summary>
    public static implicit operator TokenlayLimitType(string value) => new(value);

    /// <summary>The value of a wire name that may be missing: null for a null or empty name.</summary>
    internal static TokenlayLimitType? FromWire(string? name) => string.IsNullOrEmpty(name) ? default(TokenlayLimitType?) : new TokenlayLimitType(name!);
}

/// <summary>Reads and writes <see cref="TokenlayLimitType"/> as its wire name.</summary>
internal sealed class TokenlayLimitTypeConverter : WireNameConverter<TokenlayLimitType>
{
    protected override TokenlayLimitType Create(string name) => new(name);
}
