using System;

namespace Tokenlay;

/// <summary>Where one limit stands for the subject of a check: used and held so far, what remains, when it resets.</summary>
public sealed class TokenlayLimitStatus
{
    /// <summary>What the limit counts: requests, tokens, cost (USD) or concurrent calls.</summary>
    public TokenlayLimitType? Type { get; init; }

    /// <summary>The window it counts over: minute, hour, day, month, year or total.</summary>
    public TokenlayLimitWindow? Window { get; init; }

    /// <summary>The metadata field the limit counts per, for example <c>user</c>.</summary>
    public string? Per { get; init; }

    /// <summary>That field's value for this subject, for example the user id.</summary>
    public string? Key { get; init; }

    /// <summary>Used plus held (by calls in flight and reservations) in the current window.</summary>
    public decimal Current { get; init; }

    /// <summary>The limit.</summary>
    public decimal Max { get; init; }

    /// <summary>What is left: <see cref="Max"/> minus <see cref="Current"/>, never below 0.</summary>
    public decimal Remaining { get; init; }

    /// <summary>When the window resets (UTC); null for concurrency and <c>total</c> limits.</summary>
    public DateTimeOffset? ResetsAt { get; init; }

    /// <summary>Whether the call as described would not fit in this limit.</summary>
    public bool Exceeded { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Type} per {Per} '{Key}' per {Window}: {Current}/{Max}, {Remaining} left";
}
