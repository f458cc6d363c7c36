using System;
using System.Text.RegularExpressions;

namespace Tokenlay;

/// <summary>
/// Removes keys from text that leaves the SDK (exception messages, excerpts of error bodies),
/// because servers sometimes echo the key they rejected.
/// </summary>
internal static class SecretRedactor
{
    public const string Mask = "[redacted]";

    // Common provider key shapes, in case a server echoes a key we were never told about.
    private static readonly Regex s_keyShapes = new(
        @"\b(sk|sk-proj|sk-ant|tl|tlk|pk|rk)[-_][A-Za-z0-9_\-]{12,}",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);

    public static string Redact(string text, string? secret1, string? secret2 = null, string? secret3 = null)
    {
        text = RedactOne(text, secret1);
        text = RedactOne(text, secret2);
        text = RedactOne(text, secret3);
        return s_keyShapes.Replace(text, Mask);
    }

    private static string RedactOne(string text, string? secret)
    {
        // Very short "keys" (test values like "k") would shred ordinary words; real keys are long.
        if (string.IsNullOrEmpty(secret) || secret!.Length < 4)
        {
            return text;
        }
        return text.IndexOf(secret, StringComparison.Ordinal) < 0 ? text : text.Replace(secret, Mask);
    }
}
