// Shared source compiled into two assemblies: plain comments, not XML docs, because the emulator's
// OpenAPI generator reads the XML docs of both and refuses a member documented twice.
namespace Tokenlay.Wire;

// <summary>
// The page sizes the companion API allows. Shared source: the emulator refuses what the SDK
// refuses before sending, with the same bounds.
// </summary>
internal static class TokenlayPageSizes
{
    // <summary>The most entries a page of logs, credit transactions or the blocklist holds.</summary>
    public const int Max = 1000;

    // <summary>The most connected keys (or key events) a page holds.</summary>
    public const int MaxKeys = 100;

    // <summary>The connected keys a page holds when no size is asked for.</summary>
    public const int DefaultKeys = 50;
}
