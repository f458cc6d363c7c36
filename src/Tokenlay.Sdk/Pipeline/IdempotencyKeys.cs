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

    public static string Next() =>
        s_prefix + Interlocked.Increment(ref s_counter).ToString("x", CultureInfo.InvariantCulture);

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
