using System.Text;

namespace Tokenlay.Emulator.Proxy;

/// <summary>
/// Makes text safe for a response header. Model names and rule ids come from callers and rules
/// files; a control character or non-ASCII letter in a header makes the server drop the answer.
/// Such characters are percent-encoded (UTF-8), as the SDK encodes metadata.
/// </summary>
internal static class HeaderText
{
    public static string Safe(string text)
    {
        foreach (char c in text)
        {
            if (c is < ' ' or > '~' or '%')
            {
                return Encode(text);
            }
        }
        return text;
    }

    private static string Encode(string text)
    {
        var builder = new StringBuilder(text.Length + 16);
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            if (b is >= (byte)' ' and <= (byte)'~' and not (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }
}
