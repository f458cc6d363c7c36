using System;
using System.Collections.Generic;
using System.Linq;

namespace Tokenlay.Emulator.Rules;

/// <summary>The first limit a call ran into.</summary>
internal sealed record ExceededLimit(RuleLimit Limit, string PerValue, decimal Current, DateTimeOffset? ResetsAt);

/// <summary>What a call holds from the tracker until it completes.</summary>
internal sealed class Admission
{
    public static readonly Admission None = new(null, [], DateTimeOffset.MinValue, null);

    public Admission(Rule? rule, List<string> concurrencyKeys, DateTimeOffset admittedAt, ExceededLimit? exceeded)
    {
        Rule = rule;
        ConcurrencyKeys = concurrencyKeys;
        AdmittedAt = admittedAt;
        Exceeded = exceeded;
    }

    public Rule? Rule { get; }
    public List<string> ConcurrencyKeys { get; }
    public DateTimeOffset AdmittedAt { get; }
    public ExceededLimit? Exceeded { get; }
    /// <summary>Whether the call was counted (admitted, or let through downgraded or warned).</summary>
    public bool Counted { get; set; }
}

/// <summary>
/// Counts usage against rule limits. Checking and counting happen under one lock, so N concurrent
/// calls against a request limit of M let exactly M through.
/// </summary>
internal sealed class LimitTracker
{
    private readonly object _gate = new();
    private readonly Dictionary<string, decimal> _counters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _inFlight = new(StringComparer.Ordinal);

    /// <summary>
    /// Checks every limit of <paramref name="rule"/>. When all pass, or when <paramref name="force"/>
    /// is set (the call goes on downgraded or warned), the request and a concurrency slot are counted.
    /// </summary>
    public Admission Admit(Rule rule, IReadOnlyDictionary<string, object?> context, DateTimeOffset now, bool force)
    {
        lock (_gate)
        {
            ExceededLimit? exceeded = null;
            var keys = new List<(RuleLimit Limit, string Key, string Per)>();
            for (int i = 0; i < rule.Then.Limits.Count; i++)
            {
                RuleLimit limit = rule.Then.Limits[i];
                string per = PerValue(limit, context);
                string key = limit.Type == "concurrent"
                    ? $"{rule.Id}|{i}|{per}"
                    : $"{rule.Id}|{i}|{per}|{WindowStart(limit.Window, now):O}";
                keys.Add((limit, key, per));
                decimal current = limit.Type == "concurrent"
                    ? _inFlight.GetValueOrDefault(key)
                    : _counters.GetValueOrDefault(key);
                // Requests and concurrency are checked with this call counted; tokens and cost are
                // only known afterwards, so a call is refused once the budget is already spent.
                bool over = limit.Type is "requests" or "concurrent" ? current + 1 > limit.Max : current >= limit.Max;
                if (over && exceeded is null)
                {
                    exceeded = new ExceededLimit(limit, per, current, limit.Type == "concurrent" ? null : NextWindowStart(limit.Window, now));
                }
            }
            if (exceeded is not null && !force)
            {
                return new Admission(rule, [], now, exceeded);
            }
            var concurrency = new List<string>();
            var admission = new Admission(rule, concurrency, now, exceeded) { Counted = true };
            foreach ((RuleLimit limit, string key, _) in keys)
            {
                if (limit.Type == "requests")
                {
                    _counters[key] = _counters.GetValueOrDefault(key) + 1;
                }
                else if (limit.Type == "concurrent")
                {
                    _inFlight[key] = _inFlight.GetValueOrDefault(key) + 1;
                    concurrency.Add(key);
                }
            }
            return admission;
        }
    }

    /// <summary>Counts the call's tokens and cost, releases its slots, and refunds the request when it failed.</summary>
    public void Complete(Admission admission, IReadOnlyDictionary<string, object?> context, long tokens, decimal? cost, bool success)
    {
        if (admission.Rule is not { } rule)
        {
            return;
        }
        lock (_gate)
        {
            foreach (string key in admission.ConcurrencyKeys)
            {
                if (_inFlight.TryGetValue(key, out int n))
                {
                    _inFlight[key] = Math.Max(0, n - 1);
                }
            }
            if (!admission.Counted)
            {
                return; // refused: nothing was counted
            }
            for (int i = 0; i < rule.Then.Limits.Count; i++)
            {
                RuleLimit limit = rule.Then.Limits[i];
                string key = $"{rule.Id}|{i}|{PerValue(limit, context)}|{WindowStart(limit.Window, admission.AdmittedAt):O}";
                switch (limit.Type)
                {
                    case "requests" when !success:
                        _counters[key] = Math.Max(0, _counters.GetValueOrDefault(key) - 1); // a failed call does not use up quota
                        break;
                    case "tokens" when success:
                        _counters[key] = _counters.GetValueOrDefault(key) + tokens;
                        break;
                    case "cost" when success && cost is not null:
                        _counters[key] = _counters.GetValueOrDefault(key) + cost.Value;
                        break;
                }
            }
        }
    }

    /// <summary>
    /// Where every limit of <paramref name="rules"/> stands in its current window: the
    /// <paramref name="top"/> keys (users, orgs…) closest to the limit first.
    /// </summary>
    public IReadOnlyList<RuleStatus> Status(IReadOnlyList<Rule> rules, DateTimeOffset now, int top)
    {
        lock (_gate)
        {
            var result = new List<RuleStatus>(rules.Count);
            foreach (Rule rule in rules)
            {
                var limits = new List<LimitStatus>(rule.Then.Limits.Count);
                for (int i = 0; i < rule.Then.Limits.Count; i++)
                {
                    RuleLimit limit = rule.Then.Limits[i];
                    string prefix = rule.Id + "|" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "|";
                    string suffix = limit.Type == "concurrent" ? "" : "|" + WindowStart(limit.Window, now).ToString("O");
                    IEnumerable<KeyValuePair<string, decimal>> current = limit.Type == "concurrent"
                        ? _inFlight.Select(p => new KeyValuePair<string, decimal>(p.Key, p.Value))
                        : _counters;
                    var closest = current
                        .Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal) && p.Key.EndsWith(suffix, StringComparison.Ordinal) && p.Value > 0)
                        .Select(p => new LimitUsage(p.Key.Substring(prefix.Length, p.Key.Length - prefix.Length - suffix.Length), p.Value, Math.Max(0, limit.Max - p.Value)))
                        .OrderByDescending(u => u.Current).ThenBy(u => u.Key, StringComparer.Ordinal)
                        .Take(top)
                        .ToList();
                    limits.Add(new LimitStatus(limit.Type, limit.Window, limit.TrackingKey ?? limit.Per, limit.Max,
                        limit.Type == "concurrent" ? null : NextWindowStart(limit.Window, now), closest));
                }
                result.Add(new RuleStatus(rule.Id, rule.Priority, rule.If, rule.Then.Model, rule.Then.OnLimitExceeded.Action, limits));
            }
            return result;
        }
    }

    /// <summary>The metadata field a limit is counted per, when the call lacks it; null when it has it or the limit is global.</summary>
    internal static string? MissingPerField(RuleLimit limit, IReadOnlyDictionary<string, object?> context) =>
        PerValue(limit, context) == "(none)" ? limit.TrackingKey ?? limit.Per : null;

    internal static string PerValue(RuleLimit limit, IReadOnlyDictionary<string, object?> context)
    {
        string field = limit.TrackingKey ?? limit.Per;
        if (field is "global" or "*" or "all")
        {
            return "*";
        }
        return context.TryGetValue(field, out object? value) && value is not null ? value.ToString()! : "(none)";
    }

    internal static DateTimeOffset WindowStart(string window, DateTimeOffset now)
    {
        DateTimeOffset t = now.ToUniversalTime();
        return window switch
        {
            "minute" => new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero),
            "hour" => new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero),
            "day" => new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero),
            "month" => new DateTimeOffset(t.Year, t.Month, 1, 0, 0, 0, TimeSpan.Zero),
            "year" => new DateTimeOffset(t.Year, 1, 1, 0, 0, 0, TimeSpan.Zero),
            _ => DateTimeOffset.UnixEpoch,
        };
    }

    internal static DateTimeOffset? NextWindowStart(string window, DateTimeOffset now)
    {
        DateTimeOffset start = WindowStart(window, now);
        return window switch
        {
            "minute" => start.AddMinutes(1),
            "hour" => start.AddHours(1),
            "day" => start.AddDays(1),
            "month" => start.AddMonths(1),
            "year" => start.AddYears(1),
            _ => null,
        };
    }
}

/// <summary>One rule and where its limits stand (<c>GET /v1/rules/status</c>).</summary>
public sealed record RuleStatus(string Id, int Priority, System.Text.Json.Nodes.JsonObject If, string? Model, string OnLimitExceeded, IReadOnlyList<LimitStatus> Limits);

/// <summary>One limit in its current window, with the keys closest to it first.</summary>
public sealed record LimitStatus(string Type, string Window, string Per, decimal Max, DateTimeOffset? ResetsAt, IReadOnlyList<LimitUsage> Closest);

/// <summary>One key's use of a limit: <c>Key</c> is the value of the limit's <c>per</c> field (a user id, an org…).</summary>
public sealed record LimitUsage(string Key, decimal Current, decimal Remaining);
