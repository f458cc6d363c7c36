using System;
using System.Text.Json.Serialization;

namespace Tokenlay;

/// <summary>
/// What a Tokenlay smart rule did with a call (<c>x-tokenlay-rule-action</c>, a check's <c>action</c>):
/// <see cref="Allow"/>, <see cref="Block"/>, <see cref="Warn"/>, <see cref="Queue"/> or <see cref="Downgrade"/>.
/// An extensible enum: an action newer than this SDK is kept as sent (<see cref="ToString"/>).
/// </summary>
[JsonConverter(typeof(TokenlayRuleActionConverter))]
public readonly struct TokenlayRuleAction : IEquatable<TokenlayRuleAction>
{
    private readonly string? _value;

    /// <summary>A value by its wire name.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is null or empty.</exception>
    public TokenlayRuleAction(string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException("A rule action needs a name, such as block.", nameof(value));
        }
        _value = value;
    }

    /// <summary>The call was allowed.</summary>
    public static TokenlayRuleAction Allow { get; } = new("allow");

    /// <summary>The call was refused because a limit was reached.</summary>
    public static TokenlayRuleAction Block { get; } = new("block");

    /// <summary>The call went through with a warning.</summary>
    public static TokenlayRuleAction Warn { get; } = new("warn");

    /// <summary>The call was queued until capacity freed up.</summary>
    public static TokenlayRuleAction Queue { get; } = new("queue");

    /// <summary>The call was served by a cheaper model; see <see cref="TokenlayResponseInfo.Model"/>.</summary>
    public static TokenlayRuleAction Downgrade { get; } = new("downgrade");

    /// <summary>The wire name.</summary>
    public override string ToString() => _value ?? "";

    /// <inheritdoc />
    public bool Equals(TokenlayRuleAction other) => string.Equals(_value, other._value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TokenlayRuleAction other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(_value);

    /// <summary>Compares by wire name, ignoring case.</summary>
    public static bool operator ==(TokenlayRuleAction left, TokenlayRuleAction right) => left.Equals(right);

    /// <summary>Compares by wire name, ignoring case.</summary>
    public static bool operator !=(TokenlayRuleAction left, TokenlayRuleAction right) => !left.Equals(right);

    /// <summary>A value by its wire name.</summary>
    public static implicit operator TokenlayRuleAction(string value) => new(value);

    /// <summary>The value of a wire name that may be missing: null for a null or empty name.</summary>
    internal static TokenlayRuleAction? FromWire(string? name) => string.IsNullOrWhiteSpace(name) ? default(TokenlayRuleAction?) : new TokenlayRuleAction(name!.Trim());
}

/// <summary>Reads and writes <see cref="TokenlayRuleAction"/> as its wire name.</summary>
internal sealed class TokenlayRuleActionConverter : WireNameConverter<TokenlayRuleAction>
{
    protected override TokenlayRuleAction Create(string name) => new(name);
}
