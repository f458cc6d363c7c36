using System;

namespace Tokenlay;

/// <summary>The limit a blocked call ran into, from the <c>error.tokenlay.limit</c> object of the error body.</summary>
public class TokenlayLimit
{
    /// <summary>Creates a limit description; for tests and mocks.</summary>
    public TokenlayLimit(TokenlayLimitType? type, TokenlayLimitWindow? window, string? per, decimal? current, decimal? max, DateTimeOffset? resetsAt)
        : this(type, window, per, current, max, resetsAt, null)
    {
    }

    /// <summary>Creates a limit description that says whether its window is rolling; for tests and mocks.</summary>
    public TokenlayLimit(TokenlayLimitType? type, TokenlayLimitWindow? window, string? per, decimal? current, decimal? max, DateTimeOffset? resetsAt, bool? rolling)
    {
        Rolling = rolling;
        Type = type;
        Window = window;
        Per = per;
        Current = current;
        Max = max;
        ResetsAt = resetsAt;
    }

    /// <summary>What is limited: requests, tokens, cost or concurrent calls.</summary>
    public virtual TokenlayLimitType? Type { get; }

    /// <summary>The window: minute, hour, day, month, year or total.</summary>
    public virtual TokenlayLimitWindow? Window { get; }

    /// <summary>Whom the limit counts per, for example <c>user</c> or <c>org</c>.</summary>
    public virtual string? Per { get; }

    /// <summary>The amount used so far in the window.</summary>
    public virtual decimal? Current { get; }

    /// <summary>The limit.</summary>
    public virtual decimal? Max { get; }

    /// <summary>
    /// Whether the limit counts the last <see cref="Window"/> (a rolling window, an extension of the
    /// public rules schema) instead of the calendar period; null when the server did not say.
    /// </summary>
    public virtual bool? Rolling { get; }

    /// <summary>When the window resets, in UTC (for a rolling window: when the oldest counted usage leaves it).</summary>
    public virtual DateTimeOffset? ResetsAt { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Type} limit per {Per} per {Window}: {Current}/{Max}" + (ResetsAt is { } at ? $", resets at {at:u}" : "");
}
