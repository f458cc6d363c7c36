using System;
using System.Collections.Generic;
using System.Globalization;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Budget;

/// <summary>
/// Where a call's count goes for one limit: the value of the limit's <c>per</c> field and the
/// calendar window (UTC) it falls in.
/// </summary>
internal static class LimitKeys
{
    /// <summary>The counter key for limit <paramref name="index"/> of <paramref name="rule"/>.</summary>
    public static string Key(Rule rule, int index, string per, string type, string window, DateTimeOffset at) => type == "concurrent"
        ? string.Concat(rule.Id, "|", index.ToString(CultureInfo.InvariantCulture), "|", per)
        : string.Concat(rule.Id, "|", index.ToString(CultureInfo.InvariantCulture), "|", per, "|", WindowStart(window, at).ToString("O", CultureInfo.InvariantCulture));

    /// <summary>The metadata field a limit is counted per, when the call lacks it; null when it has it or the limit is global.</summary>
    public static string? MissingPerField(RuleLimit limit, IReadOnlyDictionary<string, object?> context) =>
        PerValue(limit, context) == "(none)" ? limit.TrackingKey ?? limit.Per : null;

    public static string PerValue(RuleLimit limit, IReadOnlyDictionary<string, object?> context)
    {
        string field = limit.TrackingKey ?? limit.Per;
        if (field is "global" or "*" or "all")
        {
            return "*";
        }
        return context.TryGetValue(field, out object? value) && value is not null ? value.ToString()! : "(none)";
    }

    public static DateTimeOffset WindowStart(string window, DateTimeOffset now)
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

    public static DateTimeOffset? NextWindowStart(string window, DateTimeOffset now)
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
