using System;
using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Tokenlay;

/// <summary>
/// An intent label Tokenlay puts on a conversation: <see cref="Jailbreak"/>, <see cref="TosBreach"/>,
/// <see cref="Frustration"/>, <see cref="Win"/>, or <see cref="Safe"/> when none of the others applies.
/// An extensible enum, as in System.ClientModel and the Azure SDK: labels newer than this SDK are kept
/// as they were sent, and compare by their text (ordinal, ignoring case).
/// </summary>
[JsonConverter(typeof(TokenlayLabelJsonConverter))]
public readonly struct TokenlayLabel : IEquatable<TokenlayLabel>
{
    private const string JailbreakValue = "jailbreak";
    private const string TosBreachValue = "tos_breach";
    private const string FrustrationValue = "frustration";
    private const string WinValue = "win";
    private const string SafeValue = "safe";

    private readonly string? _value;

    /// <summary>A label with this wire value, such as <c>jailbreak</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    public TokenlayLabel(string value)
    {
        _value = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The user tried to make the model ignore its instructions or rules (<c>jailbreak</c>).</summary>
    public static TokenlayLabel Jailbreak { get; } = new(JailbreakValue);

    /// <summary>The user asked for something against the provider's terms of service (<c>tos_breach</c>).</summary>
    public static TokenlayLabel TosBreach { get; } = new(TosBreachValue);

    /// <summary>The user is unhappy with the answers (<c>frustration</c>).</summary>
    public static TokenlayLabel Frustration { get; } = new(FrustrationValue);

    /// <summary>The user says the assistant solved the problem (<c>win</c>).</summary>
    public static TokenlayLabel Win { get; } = new(WinValue);

    /// <summary>None of the other labels applies (<c>safe</c>).</summary>
    public static TokenlayLabel Safe { get; } = new(SafeValue);

    /// <summary>
    /// Whether Tokenlay sends a <c>label.detected</c> webhook for this label: every label but
    /// <see cref="Safe"/> and <see cref="Win"/>, unknown labels included.
    /// </summary>
    public bool IsAlert => !Equals(Safe) && !Equals(Win);

    /// <summary>Whether the two labels are the same.</summary>
    public static bool operator ==(TokenlayLabel left, TokenlayLabel right) => left.Equals(right);

    /// <summary>Whether the two labels differ.</summary>
    public static bool operator !=(TokenlayLabel left, TokenlayLabel right) => !left.Equals(right);

    /// <summary>The label with this wire value.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    public static implicit operator TokenlayLabel(string value) => new(value);

    /// <inheritdoc/>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public override bool Equals(object? obj) => obj is TokenlayLabel other && Equals(other);

    /// <inheritdoc/>
    public bool Equals(TokenlayLabel other) => string.Equals(_value, other._value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public override int GetHashCode() => _value is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(_value);

    /// <summary>The wire value, such as <c>tos_breach</c>; empty for <c>default</c>.</summary>
    public override string ToString() => _value ?? "";
}
