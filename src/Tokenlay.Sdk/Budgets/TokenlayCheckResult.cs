using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Serialization;

namespace Tokenlay;

/// <summary>
/// What a call would meet (<c>POST /v1/check</c>): allowed or not, the rule and its action, the model
/// after any downgrade, and where each limit stands. Nothing was metered.
/// </summary>
public sealed class TokenlayCheckResult
{
    /// <summary>Whether the call would be served (possibly downgraded or with a warning).</summary>
    public bool Allowed { get; init; }

    /// <summary>
    /// The blocklist entry that refuses the subject, null when it is not blocked. A blocked subject's
    /// check answers <see cref="Allowed"/> false with this entry (a check asks, so it is not a 403);
    /// the proxied call would get <see cref="TokenlayBlockedException"/>.
    /// </summary>
    public TokenlayBlockEntry? Block { get; init; }

    /// <summary>Whether the subject is on the blocklist (<see cref="Block"/> says until when and why).</summary>
    [JsonIgnore]
    public bool IsBlocked => Block is not null;

    /// <summary>
    /// Why the rule's credits would not cover the call, null when they would (or the rule charges no
    /// credits). A check with a shortfall answers <see cref="Allowed"/> false.
    /// </summary>
    public TokenlayCreditShortfall? Credits { get; init; }

    /// <summary>What the rule would do; <see cref="TokenlayRuleAction.Allow"/> when no rule applies.</summary>
    [JsonPropertyName("action")]
    public TokenlayRuleAction Action { get => _action ?? TokenlayRuleAction.Allow; init => _action = value; }

    private readonly TokenlayRuleAction? _action;

    /// <summary>The rule the call falls under; null when none.</summary>
    public string? RuleId { get; init; }

    /// <summary>The model that would serve the call (after a rule's model or a downgrade).</summary>
    public string? Model { get; init; }

    /// <summary>Warnings the call would carry in <c>x-tokenlay-warnings</c>.</summary>
    public IReadOnlyList<string> Warnings { get => _warnings ?? Array.Empty<string>(); init => _warnings = value; }

    private readonly IReadOnlyList<string>? _warnings;

    /// <summary>
    /// The intent labels the user had on calls in the last 24 hours (<c>labels</c>), such as
    /// <see cref="TokenlayLabel.TosBreach"/>; <see cref="TokenlayLabel.Safe"/> is never listed. Empty when none, or without a user.
    /// </summary>
    [JsonPropertyName("labels")]
    public IReadOnlyList<TokenlayLabel> RecentLabels
    {
        get => _recentLabels;
        // The source-generated reader sets every init property, absent ones to null: a server without labels reads as none.
        init => _recentLabels = value ?? Array.Empty<TokenlayLabel>();
    }

    private readonly IReadOnlyList<TokenlayLabel> _recentLabels = Array.Empty<TokenlayLabel>();

    /// <summary>Each limit of the rule, for this subject.</summary>
    public IReadOnlyList<TokenlayLimitStatus> Limits { get => _limits ?? Array.Empty<TokenlayLimitStatus>(); init => _limits = value; }

    private readonly IReadOnlyList<TokenlayLimitStatus>? _limits;

    /// <summary>When the first limit the call does not fit in resets; null when it fits everywhere.</summary>
    [JsonIgnore]
    public DateTimeOffset? ResetsAt => Limits.Where(l => l.Exceeded && l.ResetsAt is not null).Select(l => l.ResetsAt).Min();

    /// <summary>What is left of the limit of type <paramref name="type"/> (<see cref="TokenlayLimitType.Tokens"/>, <see cref="TokenlayLimitType.Cost"/>...); the smallest if there are several, null if there is none.</summary>
    public decimal? Remaining(TokenlayLimitType type) =>
        Limits.Where(l => l.Type == type).Select(l => (decimal?)l.Remaining).Min();

    /// <summary>One line: allowed or not, the rule and action, the model, and each limit.</summary>
    /// <example><c>Check: blocked by rule free-tier (Block), model gpt-4o-mini; requests per user 'alice' per day: 100/100, 0 left</c></example>
    public override string ToString()
    {
        string verdict = Allowed ? "allowed" : "blocked";
        string rule = RuleId is null ? " (no rule)" : $" by rule {RuleId} ({Action})";
        string limits = Limits.Count == 0 ? "" : "; " + string.Join("; ", Limits);
        return $"Check: {verdict}{rule}, model {Model}{limits}";
    }
}
