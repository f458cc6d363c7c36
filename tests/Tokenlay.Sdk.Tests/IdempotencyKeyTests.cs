using System.Globalization;
using Tokenlay.Pipeline;

namespace Tokenlay.Tests;

/// <summary>The generated idempotency keys: one prefix per process and a counter written in hex, never repeated.</summary>
public class IdempotencyKeyTests
{
    [Fact]
    public void Keys_count_up_in_hex_across_every_digit_boundary_and_never_repeat()
    {
        string first = IdempotencyKeys.Next();
        string prefix = first[..(first.LastIndexOf('-') + 1)];
        long previous = long.Parse(first[prefix.Length..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var seen = new HashSet<string> { first };

        for (int i = 0; i < 70_000; i++) // past 0xf, 0xff, 0xfff and 0xffff
        {
            string key = IdempotencyKeys.Next();
            Assert.StartsWith(prefix, key, StringComparison.Ordinal);
            string counter = key[prefix.Length..];
            long value = long.Parse(counter, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            Assert.True(value > previous, $"{key} after {previous:x}");
            Assert.Equal(value.ToString("x", CultureInfo.InvariantCulture), counter); // no padding, no stray characters
            Assert.True(seen.Add(key));
            previous = value;
        }
    }
}
