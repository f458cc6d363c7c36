using System;

namespace Tokenlay;

/// <summary>Turns numbers read from response headers into values, refusing the ones that cannot be held.</summary>
internal static class TokenlayNumbers
{
    /// <summary>
    /// <paramref name="amount"/> units of <paramref name="ticksPerUnit"/> as a TimeSpan, or null when
    /// it is NaN, infinite, negative or too large for TimeSpan (where TimeSpan.From* would throw
    /// OverflowException out of a header parse).
    /// </summary>
    public static TimeSpan? ToTimeSpan(double amount, long ticksPerUnit)
    {
        if (double.IsNaN(amount) || amount < 0)
        {
            return null;
        }
        double ticks = amount * ticksPerUnit;
        // Strictly below: (double)long.MaxValue rounds up to 2^63, which does not fit in a long.
        return ticks < TimeSpan.MaxValue.Ticks ? TimeSpan.FromTicks((long)ticks) : null;
    }
}
