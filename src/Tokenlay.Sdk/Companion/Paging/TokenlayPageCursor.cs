using System;
using System.ClientModel;

namespace Tokenlay.Companion;

/// <summary>The page walk both collection forms share: where the next page starts, and the continuation token of a page.</summary>
internal static class TokenlayPageCursor
{
    /// <summary>The next page's cursor of <paramref name="page"/> (a page this collection fetched), null after the last.</summary>
    public static string? NextOf<TPage, T>(ClientResult page)
        where TPage : class, ITokenlayPage<T> =>
        Value<TPage, T>(page).NextCursor;

    public static TPage Value<TPage, T>(ClientResult page)
        where TPage : class, ITokenlayPage<T> =>
        page is null ? throw new ArgumentNullException(nameof(page))
        : page is ClientResult<TPage> typed
            ? typed.Value
            : throw new ArgumentException($"The page was not fetched by this collection (expected a ClientResult<{typeof(TPage).Name}>).", nameof(page));

    /// <summary>The continuation token that resumes after <paramref name="page"/>: its cursor as bytes.</summary>
    public static ContinuationToken? TokenAfter<TPage, T>(ClientResult page)
        where TPage : class, ITokenlayPage<T> =>
        NextOf<TPage, T>(page) is { } cursor ? ContinuationToken.FromBytes(BinaryData.FromString(cursor)) : null;
}
