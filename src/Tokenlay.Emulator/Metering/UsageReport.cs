using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Tokenlay.Emulator.Metering;

/// <summary>Sums over the counted calls; <see cref="UnpricedRequests"/> had no price and add no cost.</summary>
public sealed record UsageTotals(long Requests, long InputTokens, long OutputTokens, long TotalTokens, decimal CostUsd, long UnpricedRequests);

/// <summary>Usage of one model; <see cref="CostUsd"/> is null when the model has no price.</summary>
public sealed record ModelUsage(string Model, long Requests, long InputTokens, long OutputTokens, decimal? CostUsd);

/// <summary>Usage of one user (null: calls with no user).</summary>
public sealed record UserUsage(string? User, long Requests, long InputTokens, long OutputTokens, decimal CostUsd);

/// <summary>Usage of one UTC day (<c>yyyy-MM-dd</c>).</summary>
public sealed record DailyUsage(string Date, long Requests, long InputTokens, long OutputTokens, decimal CostUsd);

/// <summary>The answer of <c>GET /v1/usage</c>.</summary>
public sealed record UsageReport(
    DateTimeOffset? Since, DateTimeOffset? Until, UsageTotals Totals,
    IReadOnlyList<ModelUsage> ByModel, IReadOnlyList<UserUsage> ByUser, IReadOnlyList<DailyUsage> Daily,
    IReadOnlyList<string> UnknownModels, IReadOnlyList<FeatureUsage> ByFeature, CallOutcomes Outcomes)
{
    /// <summary>Builds the report over the calls that count (succeeded, not an idempotent repeat).</summary>
    public static UsageReport Build(IEnumerable<CallLogEntry> calls, DateTimeOffset? since, DateTimeOffset? until)
    {
        List<CallLogEntry> counted = calls.Where(c => c.Counts).ToList();
        var totals = new UsageTotals(
            counted.Count,
            counted.Sum(c => c.InputTokens),
            counted.Sum(c => c.OutputTokens),
            counted.Sum(c => c.InputTokens + c.OutputTokens),
            counted.Sum(c => c.CostUsd ?? 0),
            counted.Count(c => c.CostUsd is null));
        var byModel = counted.GroupBy(c => c.ModelUsed ?? "").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ModelUsage(g.Key, g.Count(), g.Sum(c => c.InputTokens), g.Sum(c => c.OutputTokens),
                g.All(c => c.CostUsd is null) ? null : g.Sum(c => c.CostUsd ?? 0)))
            .ToList();
        var byUser = counted.GroupBy(c => c.User).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new UserUsage(g.Key, g.Count(), g.Sum(c => c.InputTokens), g.Sum(c => c.OutputTokens), g.Sum(c => c.CostUsd ?? 0)))
            .ToList();
        var daily = counted.GroupBy(c => c.Timestamp.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new DailyUsage(g.Key, g.Count(), g.Sum(c => c.InputTokens), g.Sum(c => c.OutputTokens), g.Sum(c => c.CostUsd ?? 0)))
            .ToList();
        var unknown = counted.Where(c => c.CostUsd is null).Select(c => c.ModelUsed ?? "").Distinct().OrderBy(m => m, StringComparer.Ordinal).ToList();
        var byFeature = counted.GroupBy(c => c.Feature).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new FeatureUsage(g.Key, g.Count(), g.Sum(c => c.InputTokens), g.Sum(c => c.OutputTokens), g.Sum(c => c.CostUsd ?? 0)))
            .ToList();
        List<CallLogEntry> all = calls.Where(c => c.DuplicateOf is null).ToList();
        var outcomes = new CallOutcomes(all.Count, all.Count(c => c.RuleAction == "block"), all.Count(c => c.RuleAction == "downgrade"),
            all.Count(c => c.RuleAction == "warn"), all.Count(c => !c.Success && c.RuleAction != "block"));
        return new UsageReport(since, until, totals, byModel, byUser, daily, unknown, byFeature, outcomes);
    }
}

/// <summary>Usage of one product feature (<c>x-tokenlay-feature</c>); null collects calls with none.</summary>
public sealed record FeatureUsage(string? Feature, long Requests, long InputTokens, long OutputTokens, decimal CostUsd);

/// <summary>
/// Every call in the range, counted or not (repeats of an idempotency key excepted), by what
/// happened to it: the share of blocked or downgraded calls is read from here.
/// </summary>
public sealed record CallOutcomes(long Calls, long Blocked, long Downgraded, long Warned, long Failed);

/// <summary>One page of <c>GET /v1/logs</c>, newest first.</summary>
public sealed record LogPage(IReadOnlyList<CallLogEntry> Data, string? NextCursor, int Total);

/// <summary>The answer of <c>GET /v1/pricing</c>: USD per 1M tokens by provider and model.</summary>
public sealed record PricingReport(
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, Pricing.ModelPrice>> Defaults,
    IReadOnlyDictionary<string, Dictionary<string, Pricing.ModelPrice>> Overrides);
