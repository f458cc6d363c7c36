using System;
using System.Text.Json.Serialization;

namespace Tokenlay;

/// <summary>
/// Where a reservation stands: <see cref="Active"/> (holding budget), <see cref="Released"/> or <see cref="Expired"/>. An extensible enum: a value this version does not know is kept as sent.
/// </summary>
[JsonConverter(typeof(TokenlayReservationStatusConverter))]
public readonly struct TokenlayReservationStatus : IEquatable<TokenlayReservationStatus>
{
    private readonly string? _value;

    /// <summary>A value by its wire name.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is null or empty.</exception>
    public TokenlayReservationStatus(string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException("A reservation status needs a name, such as active.", nameof(value));
        }
        _value = value;
    }

    /// <summary>The reservation holds budget; calls and commits may draw on it.</summary>
    public static TokenlayReservationStatus Active { get; } = new("active");

    /// <summary>Released by its owner: what was not used went back.</summary>
    public static TokenlayReservationStatus Released { get; } = new("released");

    /// <summary>Nobody released it before its expiry, so it was released then.</summary>
    public static TokenlayReservationStatus Expired { get; } = new("expired");

    /// <summary>The wire name.</summary>
    public override string ToString() => _value ?? "";

    /// <inheritdoc />
    public bool Equals(TokenlayReservationStatus other) => string.Equals(_value, other._value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TokenlayReservationStatus other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(_value);

    /// <summary>Compares by wire name, ignoring case.</summary>
    public static bool operator ==(TokenlayReservationStatus left, TokenlayReservationStatus right) => left.Equals(right);

    /// <summary>Compares by wire name, ignoring case.</summary>
    public static bool operator !=(TokenlayReservationStatus left, TokenlayReservationStatus right) => !left.Equals(right);

    /// <summary>A value by its wire name.</summary>
    public static implicit operator TokenlayReservationStatus(string value) => new(value);

    /// <summary>The value of a wire name that may be missing: null for a null or empty name.</summary>
    internal static TokenlayReservationStatus? FromWire(string? name) => string.IsNullOrEmpty(name) ? default(TokenlayReservationStatus?) : new TokenlayReservationStatus(name!);
}

/// <summary>Reads and writes <see cref="TokenlayReservationStatus"/> as its wire name.</summary>
internal sealed class TokenlayReservationStatusConverter : WireNameConverter<TokenlayReservationStatus>
{
    protected override TokenlayReservationStatus Create(string name) => new(name);
}
