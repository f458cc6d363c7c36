using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;

namespace Tokenlay.Emulator.Hosting;

/// <summary>
/// Which <c>Host</c> headers the emulator answers. On loopback only loopback names and whatever
/// <see cref="TokenlayEmulatorOptions.AllowedHosts"/> adds: the default key is public, so a web page
/// that rebinds its own name to 127.0.0.1 must not be able to read or spend through the emulator.
/// Listening elsewhere (a container, a LAN) is a deliberate choice, and any host is answered there
/// unless the allow-list says otherwise.
/// </summary>
internal static class LoopbackHosts
{
    private static readonly string[] s_loopback = ["localhost", "*.localhost", "127.0.0.1", "[::1]"];

    public static List<string> AllowedFor(string urls, IReadOnlyList<string> extra)
    {
        bool loopback = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).All(IsLoopback);
        if (!loopback && extra.Count == 0)
        {
            return ["*"];
        }
        return [.. s_loopback, .. extra];
    }

    private static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out Uri? uri))
        {
            return false;
        }
        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address));
    }
}
