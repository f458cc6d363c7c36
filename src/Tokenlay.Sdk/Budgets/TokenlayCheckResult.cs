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

    /// <summary>The action as Tokenlay wrote it; see <see cref="Action"/>.</summary>
    [JsonPropertyName("action")]
    public string? ActionText { get; init; }

    /// <summary>What the rule would do.</summary>
    [JsonIgnore]
    public TokenlayRuleAction Action => ActionText is null ? TokenlayRuleAction.Allow : TokenlayResponseInfo.ParseAction(ActionText);

    /// <summary>The rule the call falls under; null when none.</summary>
    public string? RuleId { get; init; }

    /// <summary>The model that would serve the call (after a rule's model or a downgrade).</summary>
    public string? Model { get; init; }

    /// <summary>Warnings the call would carry in <c>x-tokenlay-warnings</c>.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

    /// <summary>Each limit of the rule, for this subject.</summary>
    public IReadOnlyList<TokenlayLimitStatus> Limits { get; init; } = Array.Empty<TokenlayLimitStatus>();

    /// <summary>When the first limit the call does not fit in resets; null when it fits everywhere.</summary>
    [JsonIgnore]
    public DateTimeOffset? ResetsAt => Limits.Where(l => l.Exceeded && l.ResetsAt is not null).Select(l => l.ResetsAt).Min();

    /// <summary>What is left of the limit of type <paramref name="type"/> (<c>requests</c>, <c>tokens</c>, <c>cost</c>); the smallest if there are several, null if there is none.</summary>
    public decimal? Remaining(string type) =>
        Limits.Where(l => string.Equals(l.Type, type, StringComparison.OrdinalIgnoreCase)).Select(l => (decimal?)l.Remaining).Min();
}
