using System;
using System.Collections.Generic;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Budget;

/// <summary>What a limit counts.</summary>
internal enum LimitKind { Requests, Tokens, Cost, Concurrent }

/// <summary>The calendar window (UTC) a limit counts over; <see cref="Total"/> never resets.</summary>
internal enum LimitWindow { Minute, Hour, Day, Month, Year, Total }

/// <summary>
/// The typed view of a <see cref="RuleLimit"/>: the rules file speaks strings, validated when it
/// loads; the ledger speaks these, so no budget decision compares text.
/// </summary>
internal static class LimitKinds
{
    public static LimitKind Kind(this RuleLimit limit) => limit.Type switch
    {
        "requests" => LimitKind.Requests,
        "tokens" => LimitKind.Tokens,
        "cost" => LimitKind.Cost,
        "concurrent" => LimitKind.Concurrent,
        _ => throw new ArgumentOutOfRangeException(nameof(limit), limit.Type, "validated when the rules load"),
    };

    public static LimitWindow WindowKind(this RuleLimit limit) => limit.Window switch
    {
        "minute" => LimitWindow.Minute,
        "hour" => LimitWindow.Hour,
        "day" => LimitWindow.Day,
        "month" => LimitWindow.Month,
        "year" => LimitWindow.Year,
        _ => LimitWindow.Total,
    };

    /// <summary>Whether the limit holds amounts (tokens, cost) rather than counting calls.</summary>
    public static bool HoldsAmounts(this RuleLimit limit) => limit.Kind() is LimitKind.Tokens or LimitKind.Cost;

    /// <summary>The value of the limit's <c>per</c> field for a call: <c>*</c> for a global limit, <c>(none)</c> when the call lacks it.</summary>
    public static string PerValue(this RuleLimit limit, IReadOnlyDictionary<string, object?> context)
    {
        string field = limit.TrackingKey ?? limit.Per;
        if (field is "global" or "*" or "all")
        {
            return "*";
        }
        return context.TryGetValue(field, out object? value) && value is not null ? value.ToString()! : "(none)";
    }

    /// <summary>The metadata field a limit is counted per, when the call lacks it; null when it has it or the limit is global.</summary>
    public static string? MissingPerField(this RuleLimit limit, IReadOnlyDictionary<string, object?> context) =>
        limit.PerValue(context) == "(none)" ? limit.TrackingKey ?? limit.Per : null;

    public static DateTimeOffset Start(this LimitWindow window, DateTimeOffset now)
    {
        DateTimeOffset t = now.ToUniversalTime();
        return window switch
        {
            LimitWindow.Minute => new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, TimeSpan.Zero),
            LimitWindow.Hour => new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero),
            LimitWindow.Day => new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero),
            LimitWindow.Month => new DateTimeOffset(t.Year, t.Month, 1, 0, 0, 0, TimeSpan.Zero),
            LimitWindow.Year => new DateTimeOffset(t.Year, 1, 1, 0, 0, 0, TimeSpan.Zero),
            _ => DateTimeOffset.UnixEpoch,
        };
    }

    /// <summary>When the window that starts at <paramref name="start"/> ends; null for <see cref="LimitWindow.Total"/>.</summary>
    public static DateTimeOffset? End(this LimitWindow window, DateTimeOffset start) => window switch
    {
        LimitWindow.Minute => start.AddMinutes(1),
        LimitWindow.Hour => start.AddHours(1),
        LimitWindow.Day => start.AddDays(1),
        LimitWindow.Month => start.AddMonths(1),
        LimitWindow.Year => start.AddYears(1),
        _ => null,
    };

    public static DateTimeOffset? NextStart(this LimitWindow window, DateTimeOffset now) => window.End(window.Start(now));
}
