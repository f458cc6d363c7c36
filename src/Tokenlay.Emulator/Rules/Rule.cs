using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Rules;

/// <summary>One smart rule: when <see cref="If"/> matches a call, <see cref="Then"/> applies.</summary>
public sealed class Rule
{
    /// <summary>The rule's id, reported in <c>x-tokenlay-rule-id</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Higher runs first (fractions allowed); ties keep file order.</summary>
    public decimal Priority { get; init; }

    /// <summary>The condition, in the rules format (field: value, field: {op: value}, and/or/not).</summary>
    public required JsonObject If { get; init; }

    /// <summary>What to do with a matching call.</summary>
    public required RuleAction Then { get; init; }
}

/// <summary>The <c>then</c> part of a rule.</summary>
public sealed class RuleAction
{
    /// <summary>Serve the call with this model instead of the one asked for.</summary>
    public string? Model { get; init; }

    /// <summary>Request parameters (<c>temperature</c>, <c>max_tokens</c>…) set on matching calls before they go upstream.</summary>
    public JsonObject? ModelParams { get; init; }

    /// <summary><c>allow</c> (default), <c>block</c>, <c>warn</c> or <c>queue</c>.</summary>
    public string Action { get; init; } = "allow";

    /// <summary>Limits counted for matching calls.</summary>
    public IReadOnlyList<RuleLimit> Limits { get; init; } = [];

    /// <summary>What happens when a limit is reached; blocks by default.</summary>
    public LimitExceededAction OnLimitExceeded { get; init; } = new();

    /// <summary>Who to tell when a limit is reached (<c>on_limit_exceeded.notify</c>; <c>then.notify</c> is the deprecated placement).</summary>
    public IReadOnlyList<RuleNotification> Notify { get; init; } = [];

    /// <summary>
    /// <c>then.credits</c> (an extension of the public rules schema): matching calls spend prepaid
    /// credits of the account <c>per:value</c>, and are admitted only while the balance covers them.
    /// </summary>
    public RuleCredits? Credits { get; init; }
}

/// <summary>The <c>then.credits</c> part of a rule: whose credits a matching call spends.</summary>
public sealed class RuleCredits
{
    /// <summary>The metadata field the account is kept per (<c>user</c>, <c>org</c>…): the account of user alice is <c>user:alice</c>.</summary>
    public string Per { get; init; } = "user";

    /// <summary><c>overage: "allow"</c>: the balance may go below zero (post-paid) instead of refusing the call.</summary>
    public bool AllowOverage { get; init; }
}

/// <summary>A limit: at most <see cref="Max"/> of <see cref="Type"/> per <see cref="Per"/> per <see cref="Window"/>.</summary>
public sealed class RuleLimit
{
    /// <summary><c>requests</c>, <c>tokens</c>, <c>cost</c> (USD) or <c>concurrent</c>.</summary>
    public required string Type { get; init; }

    /// <summary>The maximum.</summary>
    public required decimal Max { get; init; }

    /// <summary><c>minute</c>, <c>hour</c>, <c>day</c>, <c>month</c>, <c>year</c> or <c>total</c> (calendar windows in UTC).</summary>
    public string Window { get; init; } = "total";

    /// <summary>The context field the limit counts per (<c>user</c>, <c>org</c>, <c>project</c>…); <c>global</c> for one shared count.</summary>
    public string Per { get; init; } = "user";

    /// <summary>Overrides <see cref="Per"/> as the field to group by.</summary>
    public string? TrackingKey { get; init; }

    /// <summary>
    /// <c>rolling: true</c> (an extension of the public rules schema): count the last
    /// <see cref="Window"/> (a month is 30 days, a year 365) instead of the calendar period, to the
    /// second for minute and hour windows and to the minute for longer ones.
    /// </summary>
    public bool Rolling { get; init; }

    /// <summary><c>alerts</c> (an extension): thresholds that send one <c>limit.threshold</c> webhook per subject per window when crossed.</summary>
    public IReadOnlyList<LimitAlert> Alerts { get; init; } = [];
}

/// <summary>A threshold of a limit: <c>{"at_percent": 80}</c> of its max, or <c>{"at": 45}</c> in the limit's unit.</summary>
public sealed class LimitAlert
{
    /// <summary>Percent of the limit's max, 1 to 100.</summary>
    public decimal? AtPercent { get; init; }

    /// <summary>An absolute amount in the limit's unit (requests, tokens, USD).</summary>
    public decimal? At { get; init; }

    /// <summary>Where it bites for a limit of <paramref name="max"/>.</summary>
    public decimal For(decimal max) => At ?? max * (AtPercent ?? 100) / 100m;

    /// <summary>The threshold as the rule wrote it (50 for <c>at_percent: 50</c>).</summary>
    public decimal Written => AtPercent ?? At ?? 0;
}

/// <summary>The <c>on_limit_exceeded</c> part of a rule.</summary>
public sealed class LimitExceededAction
{
    /// <summary><c>block</c> (default), <c>downgrade</c>, <c>warn</c> or <c>queue</c>.</summary>
    public string Action { get; init; } = "block";

    /// <summary>The cheaper model for <c>downgrade</c>.</summary>
    public string? DowngradeTo { get; init; }

    /// <summary>Retry-After for a block; by default the time until the window resets.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>The error <c>code</c> of a block.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The error <c>message</c> of a block.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>The HTTP status of a block; 429 by default.</summary>
    public int HttpStatus { get; init; } = 429;

    /// <summary>
    /// <c>block_for</c> (an extension of the public rules schema), such as <c>"24h"</c>: when a limit is
    /// hit, the subject the limit counts per is put on the blocklist for this long.
    /// </summary>
    public System.TimeSpan? BlockFor { get; init; }
}

/// <summary>A notification target (<c>notify</c>); only <c>webhook</c> is supported.</summary>
public sealed class RuleNotification
{
    /// <summary><c>webhook</c>.</summary>
    public string Type { get; init; } = "webhook";

    /// <summary>Where to POST the signed event.</summary>
    public required string Url { get; init; }
}
