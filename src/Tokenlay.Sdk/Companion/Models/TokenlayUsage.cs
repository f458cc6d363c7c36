using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Tokenlay.Companion;

/// <summary>Usage over the calls that matched a <see cref="TokenlayUsageQuery"/> (<c>GET /v1/usage</c>).</summary>
public sealed class TokenlayUsage
{
    /// <summary>The start of the range asked for, if any.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>The end of the range asked for, if any.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Sums over all matching calls.</summary>
    public TokenlayUsageTotals Totals { get => _totals ?? new TokenlayUsageTotals(); init => _totals = value; }

    private readonly TokenlayUsageTotals? _totals;

    /// <summary>Per model.</summary>
    public IReadOnlyList<TokenlayModelUsage> ByModel { get => _byModel ?? Array.Empty<TokenlayModelUsage>(); init => _byModel = value; }

    private readonly IReadOnlyList<TokenlayModelUsage>? _byModel;

    /// <summary>Per user.</summary>
    public IReadOnlyList<TokenlayUserUsage> ByUser { get => _byUser ?? Array.Empty<TokenlayUserUsage>(); init => _byUser = value; }

    private readonly IReadOnlyList<TokenlayUserUsage>? _byUser;

    /// <summary>Per feature (<see cref="TokenlayRequestContext.Feature"/>), costliest first; at most the query's breakdown limit.</summary>
    public IReadOnlyList<TokenlayFeatureUsage> ByFeature { get => _byFeature ?? Array.Empty<TokenlayFeatureUsage>(); init => _byFeature = value; }

    private readonly IReadOnlyList<TokenlayFeatureUsage>? _byFeature;

    /// <summary>How many users had calls, even when <see cref="ByUser"/> lists only the costliest.</summary>
    public long ByUserCount { get; init; }

    /// <summary>How many features had calls, even when <see cref="ByFeature"/> lists only the costliest.</summary>
    public long ByFeatureCount { get; init; }

    /// <summary>What happened to the calls: allowed, blocked, downgraded, warned, failed.</summary>
    public TokenlayCallOutcomes Outcomes { get => _outcomes ?? new TokenlayCallOutcomes(); init => _outcomes = value; }

    private readonly TokenlayCallOutcomes? _outcomes;

    /// <summary>Per UTC day, oldest first.</summary>
    public IReadOnlyList<TokenlayDailyUsage> Daily { get => _daily ?? Array.Empty<TokenlayDailyUsage>(); init => _daily = value; }

    private readonly IReadOnlyList<TokenlayDailyUsage>? _daily;

    /// <summary>Per customer whose connected key served the calls (<see cref="TokenlayRequestContext.KeyRef"/>); calls made without one are not listed.</summary>
    public IReadOnlyList<TokenlayKeyRefUsage> ByKeyRef { get => _byKeyRef ?? Array.Empty<TokenlayKeyRefUsage>(); init => _byKeyRef = value; }

    private readonly IReadOnlyList<TokenlayKeyRefUsage>? _byKeyRef;

    /// <summary>Models with no price: their calls add no cost (never a guessed 0 per model; see <see cref="TokenlayModelUsage.CostUsd"/>).</summary>
    public IReadOnlyList<string> UnknownModels { get => _unknownModels ?? Array.Empty<string>(); init => _unknownModels = value; }

    private readonly IReadOnlyList<string>? _unknownModels;

    /// <summary>Per intent label, in the label set's order: every call that had the label, and the usage of those counted.</summary>
    public IReadOnlyList<TokenlayLabelUsage> ByLabel
    {
        get => _byLabel;
        // The source-generated reader sets every init property, absent ones to null: a server without labels reads as none.
        init => _byLabel = value ?? Array.Empty<TokenlayLabelUsage>();
    }

    private readonly IReadOnlyList<TokenlayLabelUsage> _byLabel = Array.Empty<TokenlayLabelUsage>();
}

/// <summary>Usage of the calls with one intent label; a call with two labels counts under both.</summary>
public sealed class TokenlayLabelUsage
{
    /// <summary>The label.</summary>
    public TokenlayLabel Label { get; init; }

    /// <summary>Calls that had the label, blocked and failed ones included.</summary>
    public long Calls { get; init; }

    /// <summary>Of those, the calls counted in usage.</summary>
    public long Requests { get; init; }

    /// <summary>Input tokens of the counted calls.</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens of the counted calls.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Cost in USD of the counted calls that have a price.</summary>
    public decimal CostUsd { get; init; }
}

/// <summary>Sums over a set of calls.</summary>
public sealed class TokenlayUsageTotals
{
    /// <summary>Calls counted (succeeded, not a repeat of an idempotency key).</summary>
    public long Requests { get; init; }

    /// <summary>Input tokens.</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Input plus output tokens.</summary>
    public long TotalTokens { get; init; }

    /// <summary>Cost in USD of the calls that have a price.</summary>
    public decimal CostUsd { get; init; }

    /// <summary>Calls whose model has no price, so <see cref="CostUsd"/> leaves them out.</summary>
    public long UnpricedRequests { get; init; }
}

/// <summary>Usage of one model.</summary>
public sealed class TokenlayModelUsage
{
    /// <summary>The model that served the calls.</summary>
    public string Model { get => _model ?? ""; init => _model = value; }

    private readonly string? _model;

    /// <summary>Calls.</summary>
    public long Requests { get; init; }

    /// <summary>Input tokens.</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Cost in USD; null when the model has no price.</summary>
    public decimal? CostUsd { get; init; }
}

/// <summary>Usage of one user.</summary>
public sealed class TokenlayUserUsage
{
    /// <summary>The user; null for calls made with no user.</summary>
    public string? User { get; init; }

    /// <summary>Calls.</summary>
    public long Requests { get; init; }

    /// <summary>Input tokens.</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Cost in USD of the priced calls.</summary>
    public decimal CostUsd { get; init; }
}

/// <summary>Usage of the calls made with one customer's connected key.</summary>
public sealed class TokenlayKeyRefUsage
{
    /// <summary>The customer (<see cref="TokenlayConnectedKey.RefId"/>).</summary>
    public string KeyRef { get => _keyRef ?? ""; init => _keyRef = value; }

    private readonly string? _keyRef;

    /// <summary>Calls.</summary>
    public long Requests { get; init; }

    /// <summary>Input tokens.</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Cost in USD of the priced calls.</summary>
    public decimal CostUsd { get; init; }
}

/// <summary>Usage of one UTC day.</summary>
public sealed class TokenlayDailyUsage
{
    /// <summary>The day, at 00:00 UTC.</summary>
    [JsonConverter(typeof(UtcDateConverter))]
    public DateTimeOffset Date { get; init; }

    /// <summary>Calls.</summary>
    public long Requests { get; init; }

    /// <summary>Input tokens.</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Cost in USD of the priced calls.</summary>
    public decimal CostUsd { get; init; }
}

/// <summary>Usage of one feature.</summary>
public sealed class TokenlayFeatureUsage
{
    /// <summary>The feature; null for calls made with no feature.</summary>
    public string? Feature { get; init; }

    /// <summary>Calls.</summary>
    public long Requests { get; init; }

    /// <summary>Input tokens.</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Cost in USD of the priced calls.</summary>
    public decimal CostUsd { get; init; }
}

/// <summary>What the rules and the provider did with the calls of a usage report.</summary>
public sealed class TokenlayCallOutcomes
{
    /// <summary>Every call seen, refused ones included.</summary>
    public long Calls { get; init; }

    /// <summary>Calls a rule, a limit, credits or the blocklist refused.</summary>
    public long Blocked { get; init; }

    /// <summary>Calls a rule sent to a cheaper model.</summary>
    public long Downgraded { get; init; }

    /// <summary>Calls that went through with a warning.</summary>
    public long Warned { get; init; }

    /// <summary>Calls the provider failed.</summary>
    public long Failed { get; init; }
}
