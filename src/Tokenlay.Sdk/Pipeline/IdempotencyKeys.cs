using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Threading;

namespace Tokenlay.Pipeline;

/// <summary>
/// Makes <c>x-tokenlay-idempotency-key</c> values. A key must be unique, not secret, so a random
/// per-process prefix and a counter serve: no Guid (a system call per key on Linux) on the hot path.
/// </summary>
internal static class IdempotencyKeys
{
    private static readonly string s_prefix = CreatePrefix();
    private static long s_counter;

    public static string Next()
    {
        long n = Interlocked.Increment(ref s_counter);
#if NET
        // One string per call, written in place (the counter's own string would be a second one).
        int digits = Math.Max(1, (67 - (int)ulong.LeadingZeroCount((ulong)n)) / 4);
        return string.Create(s_prefix.Length + digits, n, static (span, value) =>
        {
            s_prefix.AsSpan().CopyTo(span);
            value.TryFormat(span.Slice(s_prefix.Length), out _, "x", CultureInfo.InvariantCulture);
        });
#else
        return s_prefix + n.ToString("x", CultureInfo.InvariantCulture);
#endif
    }

    private static string CreatePrefix()
    {
        var bytes = new byte[9];
        using (var random = RandomNumberGenerator.Create())
        {
            random.GetBytes(bytes);
        }
        // 72 random bits, URL-safe, so two processes collide with negligible probability.
        return "tl-" + Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_') + "-";
    }
}
