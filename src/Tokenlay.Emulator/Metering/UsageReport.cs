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

/// <summary>
/// The answer of <c>GET /v1/usage</c>. The breakdowns by user and by feature list the
/// <c>limit</c> (default <see cref="DefaultBreakdownLimit"/>) dearest groups first;
/// <see cref="ByUserCount"/> and <see cref="ByFeatureCount"/> say how many there are in all, so a
/// dashboard polling every second stays small whatever the number of users (filter by <c>user=</c>
/// for one of the others).
/// </summary>
public sealed record UsageReport(
    DateTimeOffset? Since, DateTimeOffset? Until, UsageTotals Totals,
    IReadOnlyList<ModelUsage> ByModel, IReadOnlyList<UserUsage> ByUser, IReadOnlyList<DailyUsage> Daily,
    IReadOnlyList<string> UnknownModels, IReadOnlyList<FeatureUsage> ByFeature, CallOutcomes Outcomes,
    long ByUserCount = 0, long ByFeatureCount = 0, IReadOnlyList<KeyRefUsage>? ByKeyRef = null, IReadOnlyList<LabelUsage>? ByLabel = null)
{
    /// <summary>How many users and features a report lists unless asked (<c>limit</c>).</summary>
    public const int DefaultBreakdownLimit = 100;

    /// <summary>The most a report lists per breakdown.</summary>
    public const int MaxBreakdownLimit = 10_000;

    /// <summary>Builds the report over the calls that count (succeeded, or metered when cut short).</summary>
    public static UsageReport Build(IEnumerable<CallLogEntry> calls, DateTimeOffset? since, DateTimeOffset? until) =>
        Build(calls.Select(c => (UsageKey.Of(c), UsageSums.Of(c))), since, until);

    internal static UsageReport Build(IEnumerable<(UsageKey Key, UsageSums Sums)> rows, DateTimeOffset? since, DateTimeOffset? until, int limit = DefaultBreakdownLimit)
    {
        var totals = new UsageSums();
        var byModel = new SortedDictionary<string, UsageSums>(StringComparer.Ordinal);
        var byUser = new Dictionary<string, (string? User, UsageSums Sums)>(StringComparer.Ordinal);
        var byFeature = new Dictionary<string, (string? Feature, UsageSums Sums)>(StringComparer.Ordinal);
        var byKeyRef = new SortedDictionary<string, UsageSums>(StringComparer.Ordinal);
        var daily = new SortedDictionary<string, UsageSums>(StringComparer.Ordinal);
        var unknown = new SortedSet<string>(StringComparer.Ordinal);
        foreach ((UsageKey key, UsageSums sums) in rows)
        {
            totals.Add(sums);
            if (sums.Requests == 0)
            {
                continue; // only outcomes: no counted call to group
            }
            string model = key.Model ?? "";
            Sum(byModel, model).Add(sums);
            Sum(daily, key.At.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Add(sums);
            Group(byUser, key.User).Add(sums);
            Group(byFeature, key.Feature).Add(sums);
            if (key.KeyRef is { } keyRef)
            {
                Sum(byKeyRef, keyRef).Add(sums);
            }
            if (sums.Unpriced > 0)
            {
                unknown.Add(model);
            }
        }
        var report = new UsageReport(since, until,
            new UsageTotals(totals.Requests, totals.InputTokens, totals.OutputTokens, totals.InputTokens + totals.OutputTokens, totals.CostUsd, totals.Unpriced),
            byModel.Select(p => new ModelUsage(p.Key, p.Value.Requests, p.Value.InputTokens, p.Value.OutputTokens, p.Value.AnyPriced ? p.Value.CostUsd : null)).ToList(),
            byUser.Values.OrderByDescending(g => g.Sums.CostUsd).ThenByDescending(g => g.Sums.Requests).ThenBy(g => g.User, StringComparer.Ordinal).Take(limit).Select(g => new UserUsage(g.User, g.Sums.Requests, g.Sums.InputTokens, g.Sums.OutputTokens, g.Sums.CostUsd)).ToList(),
            daily.Select(p => new DailyUsage(p.Key, p.Value.Requests, p.Value.InputTokens, p.Value.OutputTokens, p.Value.CostUsd)).ToList(),
            unknown.ToList(),
            byFeature.Values.OrderByDescending(g => g.Sums.CostUsd).ThenByDescending(g => g.Sums.Requests).ThenBy(g => g.Feature, StringComparer.Ordinal).Take(limit)
                .Select(g => new FeatureUsage(g.Feature, g.Sums.Requests, g.Sums.InputTokens, g.Sums.OutputTokens, g.Sums.CostUsd)).ToList(),
            new CallOutcomes(totals.Calls, totals.Blocked, totals.Downgraded, totals.Warned, totals.Failed),
            byUser.Count, byFeature.Count,
            byKeyRef.Select(p => new KeyRefUsage(p.Key, p.Value.Requests, p.Value.InputTokens, p.Value.OutputTokens, p.Value.CostUsd)).ToList(),
            totals.Labels?.Rows() ?? []);
        return report;

        static UsageSums Sum(IDictionary<string, UsageSums> map, string key) =>
            map.TryGetValue(key, out UsageSums? sums) ? sums : map[key] = new UsageSums();

        static UsageSums Group(Dictionary<string, (string?, UsageSums Sums)> map, string? key)
        {
            string k = key is null ? "\0null" : "v" + key;
            if (!map.TryGetValue(k, out var group))
            {
                map[k] = group = (key, new UsageSums());
            }
            return group.Sums;
        }
    }
}

/// <summary>Usage of the calls made with one customer's connected key (<c>x-tokenlay-key-ref</c>).</summary>
public sealed record KeyRefUsage(string KeyRef, long Requests, long InputTokens, long OutputTokens, decimal CostUsd);

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
