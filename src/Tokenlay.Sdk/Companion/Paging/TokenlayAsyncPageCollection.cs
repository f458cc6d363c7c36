using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay.Companion;

/// <summary>
/// A paged list, fetched lazily: the next page is requested only when the enumeration reaches it,
/// so stopping early fetches nothing more. Every page goes through the client's public page method,
/// so a mock that overrides it pages as well.
/// </summary>
internal sealed class TokenlayAsyncPageCollection<TPage, T> : AsyncCollectionResult<T>
    where TPage : class, ITokenlayPage<T>
{
    private readonly Func<string?, CancellationToken, Task<ClientResult<TPage>>> _fetch;
    private readonly string _what;
    private readonly string? _start;
    private readonly CancellationToken _cancellationToken;

    /// <param name="fetch">Fetches the page at a cursor (null: the first).</param>
    /// <param name="what">What the cursor pages, for the repeated-cursor error.</param>
    /// <param name="start">The cursor to start at; null for the first page.</param>
    /// <param name="cancellationToken">Cancels every page request.</param>
    public TokenlayAsyncPageCollection(Func<string?, CancellationToken, Task<ClientResult<TPage>>> fetch, string what, string? start, CancellationToken cancellationToken)
    {
        _fetch = fetch;
        _what = what;
        _start = start;
        _cancellationToken = cancellationToken;
    }

    public override IAsyncEnumerable<ClientResult> GetRawPagesAsync() => PagesAsync();

    // The enumeration's own token (WithCancellation, or the one the base class passes on from
    // GetAsyncEnumerator) reaches the page requests too, beside the one given to the list method.
    private async IAsyncEnumerable<ClientResult> PagesAsync([EnumeratorCancellation] CancellationToken enumeration = default)
    {
        using CancellationTokenSource? both = enumeration.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken, enumeration) : null;
        CancellationToken cancellationToken = both?.Token ?? _cancellationToken;
        var cursors = new CursorGuard(_what);
        string? cursor = _start;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ClientResult<TPage> page = await _fetch(cursor, cancellationToken).ConfigureAwait(false);
            yield return page;
            if (page.Value.NextCursor is not { } next)
            {
                yield break;
            }
            cursor = cursors.Next(next);
        }
    }

    public override ContinuationToken? GetContinuationToken(ClientResult page) => TokenlayPageCursor.TokenAfter<TPage, T>(page);

    protected override async IAsyncEnumerable<T> GetValuesFromPageAsync(ClientResult page)
    {
        foreach (T item in TokenlayPageCursor.Value<TPage, T>(page).Data)
        {
            yield return item;
        }
        await Task.CompletedTask.ConfigureAwait(false); // the page is already read: nothing to wait for
    }
}
