using System;
using System.ClientModel;
using System.Collections.Generic;
using System.Threading;

namespace Tokenlay.Companion;

/// <summary>The synchronous form of <see cref="TokenlayAsyncPageCollection{TPage, T}"/>: the same lazy walk.</summary>
internal sealed class TokenlayPageCollection<TPage, T> : CollectionResult<T>
    where TPage : class, ITokenlayPage<T>
{
    private readonly Func<string?, CancellationToken, ClientResult<TPage>> _fetch;
    private readonly string _what;
    private readonly string? _start;
    private readonly CancellationToken _cancellationToken;

    public TokenlayPageCollection(Func<string?, CancellationToken, ClientResult<TPage>> fetch, string what, string? start, CancellationToken cancellationToken)
    {
        _fetch = fetch;
        _what = what;
        _start = start;
        _cancellationToken = cancellationToken;
    }

    public override IEnumerable<ClientResult> GetRawPages()
    {
        var cursors = new CursorGuard(_what);
        string? cursor = _start;
        while (true)
        {
            ClientResult<TPage> page = _fetch(cursor, _cancellationToken);
            yield return page;
            if (page.Value.NextCursor is not { } next)
            {
                yield break;
            }
            cursor = cursors.Next(next);
        }
    }

    public override ContinuationToken? GetContinuationToken(ClientResult page) => TokenlayPageCursor.TokenAfter<TPage, T>(page);

    protected override IEnumerable<T> GetValuesFromPage(ClientResult page) => TokenlayPageCursor.Value<TPage, T>(page).Data;
}
