using System;
using System.Text.Json.Serialization;

namespace Tokenlay;

/// <summary>
/// The window a limit counts over: a calendar period (UTC) or <see cref="Total"/>, which never resets. An extensible enum: a value this version does not know is kept as sent.
/// </summary>
[JsonConverter(typeof(TokenlayLimitWindowConverter))]
public readonly struct TokenlayLimitWindow : IEquatable<TokenlayLimitWindow>
{
    private readonly string? _value;

    /// <summary>A value by its wire name.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is null or empty.</exception>
    public TokenlayLimitWindow(string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException("A limit window needs a name, such as day.", nameof(value));
        }
        _value = value;
    }

    /// <summary>The current minute.</summary>
    public static TokenlayLimitWindow Minute { get; } = new("minute");

    /// <summary>The current hour.</summary>
    public static TokenlayLimitWindow Hour { get; } = new("hour");

    /// <summary>The current day (UTC).</summary>
    public static TokenlayLimitWindow Day { get; } = new("day");

    /// <summary>The current month (UTC).</summary>
    public static TokenlayLimitWindow Month { get; } = new("month");

    /// <summary>The current year (UTC).</summary>
    public static TokenlayLimitWindow Year { get; } = new("year");

    /// <summary>All time: the limit never resets.</summary>
    public static TokenlayLimitWindow Total { get; } = new("total");

    /// <summary>The wire name.</summary>
    public override string ToString() => _value ?? "";

    /// <inheritdoc />
    public bool Equals(TokenlayLimitWindow other) => string.Equals(_value, other._value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TokenlayLimitWindow other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(_value);

    /// <summary>Compares by wire name, ignoring case.</summary>
    public static bool operator ==(TokenlayLimitWindow left, TokenlayLimitWindow right) => left.Equals(right);

    /// <summary>Compares by wire name, ignoring case.</summary>
    public static bool operator !=(TokenlayLimitWindow left, TokenlayLimitWindow right) => !left.Equals(right);

    /// <summary>A value by its wire name.</summary>
    public static implicit operator TokenlayLimitWindow(string value) => new(value);

    /// <summary>The value of a wire name that may be missing: null for a null or empty name.</summary>
    internal static TokenlayLimitWindow? FromWire(string? name) => string.IsNullOrEmpty(name) ? default(TokenlayLimitWindow?) : new TokenlayLimitWindow(name!);
}

/// <summary>Reads and writes <see cref="TokenlayLimitWindow"/> as its wire name.</summary>
internal sealed class TokenlayLimitWindowConverter : WireNameConverter<TokenlayLimitWindow>
{
    protected override TokenlayLimitWindow Create(string name) => new(name);
}
