using System;
using System.Collections.Generic;

namespace Tokenlay.Emulator.Budget;

/// <summary>
/// Rolling windows (<c>rolling: true</c>): the last minute or hour counted to the second, the last
/// day, 30 days or 365 days to the minute. Usage lands in the bucket of when it happened and counts
/// until that bucket is a whole window old.
/// </summary>
internal static class RollingWindows
{
    public static TimeSpan Span(LimitWindow window) => window switch
    {
        LimitWindow.Minute => TimeSpan.FromMinutes(1),
        LimitWindow.Hour => TimeSpan.FromHours(1),
        LimitWindow.Day => TimeSpan.FromDays(1),
        LimitWindow.Month => TimeSpan.FromDays(30),
        _ => TimeSpan.FromDays(365),
    };

    public static TimeSpan BucketSize(LimitWindow window) => window is LimitWindow.Minute or LimitWindow.Hour ? TimeSpan.FromSeconds(1) : TimeSpan.FromMinutes(1);

    public static DateTimeOffset Bucket(LimitWindow window, DateTimeOffset at)
    {
        long size = BucketSize(window).Ticks;
        long utc = at.UtcTicks;
        return new DateTimeOffset(utc - (utc % size), TimeSpan.Zero);
    }
}

/// <summary>
/// One subject's usage of a rolling limit: the sums over its live buckets, kept as they change, so
/// a check costs no more than for a calendar window. Buckets leave (<see cref="LimitCounter.Evicted"/>)
/// in time order as the window moves on.
/// </summary>
internal sealed class RollingTotals
{
    public decimal Used { get; set; }
    public decimal Held { get; set; }
    public decimal Current => Used + Held;

    /// <summary>Live buckets by start, oldest first.</summary>
    public SortedDictionary<DateTimeOffset, CounterKey> Live { get; } = new();
}
