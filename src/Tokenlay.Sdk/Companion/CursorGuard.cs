using System;
using System.Collections.Generic;

namespace Tokenlay.Companion;

/// <summary>
/// The one check every paged list makes: a server that hands out a cursor twice would make the
/// page loop run forever, so the second time is an error instead.
/// </summary>
internal sealed class CursorGuard
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly string _what;

    /// <param name="what">What the cursor pages, for the message (<c>log</c>, <c>blocklist</c>…); empty for none.</param>
    public CursorGuard(string what) => _what = what.Length == 0 ? "" : what + " ";

    /// <summary>Returns <paramref name="cursor"/> the first time it is seen.</summary>
    /// <exception cref="TokenlayException">The cursor was seen before.</exception>
    public string Next(string cursor) => _seen.Add(cursor)
        ? cursor
        : throw new TokenlayException($"Tokenlay returned the {_what}cursor '{cursor}' twice; stopping rather than looping.");
}
