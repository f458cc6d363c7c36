using System;

namespace Tokenlay;

/// <summary>
/// A limit's use crossed one of its <c>alerts</c> (<c>limit.threshold</c>, an extension of the public
/// rules schema) before the limit bites: sent once per subject per window, again in the next window.
/// </summary>
public class TokenlayThresholdEvent : TokenlayWebhookEvent
{
    /// <summary>Creates an event; for tests and mocks.</summary>
    public TokenlayThresholdEvent(string id, string type, DateTimeOffset created, string rawJson,
        string? ruleId, string? subject, TokenlayLimit? limit, decimal? current, decimal? max, decimal? threshold, string? thresholdKind, DateTimeOffset? windowResetsAt)
        : base(id, type, created, rawJson)
    {
        RuleId = ruleId;
        Subject = subject;
        Limit = limit;
        Current = current;
        Max = max;
        Threshold = threshold;
        ThresholdKind = thresholdKind;
        WindowResetsAt = windowResetsAt;
    }

    /// <summary>The rule whose limit was crossed.</summary>
    public string? RuleId { get; }

    /// <summary>Whose use crossed it, written <c>per:key</c> (for example <c>user:alice</c>).</summary>
    public string? Subject { get; }

    /// <summary>The limit (type, window, per, max, and whether its window is rolling).</summary>
    public TokenlayLimit? Limit { get; }

    /// <summary>The use when the threshold was crossed, in the limit's unit.</summary>
    public decimal? Current { get; }

    /// <summary>The limit's maximum.</summary>
    public decimal? Max { get; }

    /// <summary>The threshold as written in the rule: <c>50</c> for <c>{"at_percent": 50}</c>, <c>45</c> for <c>{"at": 45}</c>.</summary>
    public decimal? Threshold { get; }

    /// <summary><c>at_percent</c> (a percent of <see cref="Max"/>) or <c>at</c> (an amount), saying how to read <see cref="Threshold"/>.</summary>
    public string? ThresholdKind { get; }

    /// <summary>When the window resets (UTC); for a rolling window, when the oldest counted use leaves it.</summary>
    public DateTimeOffset? WindowResetsAt { get; }
}
