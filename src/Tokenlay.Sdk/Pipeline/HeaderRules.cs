using System;
using System.Text;

namespace Tokenlay.Pipeline;

/// <summary>
/// Validates and encodes header names and values before anything is sent, so that a bad value
/// fails with a message naming its key (never the value, which may be secret).
/// </summary>
internal static class HeaderRules
{
    /// <summary>Throws when <paramref name="name"/> is not an HTTP token (RFC 9110 §5.6.2).</summary>
    public static void ValidateName(string? name, string what)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException($"A {what} name is null or empty; give every entry a name.", what);
        }
        foreach (char c in name!)
        {
            if (c is '\r' or '\n' or '\0')
            {
                throw new ArgumentException(
                    $"The {what} name '{Printable(name)}' contains CR, LF or NUL, which would split the HTTP header; remove them.", what);
            }
            if (!IsTokenChar(c))
            {
                throw new ArgumentException(
                    $"The {what} name '{Printable(name)}' contains '{Printable(c.ToString())}', which is not allowed in an HTTP header name; use letters, digits, '-' or '_'.", what);
            }
        }
    }

    /// <summary>
    /// Returns the value to put on the wire. CR, LF and NUL are refused; other control characters
    /// and non-ASCII text are sent as percent-encoded UTF-8. With <paramref name="escapePercent"/>
    /// a literal '%' is encoded too, so the receiver can always decode x-tokenlay-* values.
    /// </summary>
    public static string EncodeValue(string key, string value, bool escapePercent, string what)
    {
        bool needsEncoding = false;
        foreach (char c in value)
        {
            if (c is '\r' or '\n' or '\0')
            {
                throw new ArgumentException(
                    $"The value of {what} '{key}' contains CR, LF or NUL, which would split the HTTP header; remove them.", what);
            }
            if ((c < 0x20 && c != '\t') || c > 0x7E || (escapePercent && c == '%'))
            {
                needsEncoding = true;
            }
        }
        return needsEncoding ? PercentEncode(value, escapePercent) : value;
    }

    private static string PercentEncode(string value, bool escapePercent)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (byte b in bytes)
        {
            bool plain = b >= 0x20 && b <= 0x7E && !(escapePercent && b == (byte)'%') || b == (byte)'\t';
            if (plain)
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(HexUpper[b >> 4]).Append(HexUpper[b & 0xF]);
            }
        }
        return builder.ToString();
    }

    private const string HexUpper = "0123456789ABCDEF";

    private static bool IsTokenChar(char c) =>
        c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
        || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

    // Names are not secret, but control characters would garble the message itself.
    private static string Printable(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            builder.Append(c < 0x20 ? $"\\x{(int)c:X2}" : c.ToString());
        }
        return builder.ToString();
    }
}
