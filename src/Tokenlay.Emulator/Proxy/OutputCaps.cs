using System;

namespace Tokenlay.Emulator.Proxy;

/// <summary>
/// The most output tokens a model can produce in one choice, as the provider documents it. A
/// <c>max_tokens</c> above it is refused as the provider refuses it, and it bounds every hold, so
/// no estimate can overflow: a model we do not know is bounded by <see cref="Unknown"/>.
/// </summary>
internal static class OutputCaps
{
    /// <summary>For models whose cap we do not know (fine-tunes, local models): more than any model produces today.</summary>
    public const long Unknown = 1_000_000;

    // Longest prefix first: gpt-4o-mini before gpt-4o, gpt-4.1 before gpt-4.
    private static readonly (string Prefix, long Cap)[] s_caps =
    [
        ("gpt-5", 128_000),
        ("gpt-4.1", 32_768),
        ("gpt-4o-mini", 16_384),
        ("gpt-4o", 16_384),
        ("gpt-4-turbo", 4_096),
        ("gpt-4", 8_192),
        ("gpt-3.5-turbo", 4_096),
        ("o1", 100_000),
        ("o3", 100_000),
        ("o4", 100_000),
    ];

    public static long For(string model)
    {
        foreach ((string prefix, long cap) in s_caps)
        {
            if (model.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return cap;
            }
        }
        return Unknown;
    }
}
