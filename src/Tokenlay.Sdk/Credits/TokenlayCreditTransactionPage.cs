using System;
using System.Collections.Generic;

namespace Tokenlay;

/// <summary>One page of an account's history, newest first.</summary>
public sealed class TokenlayCreditTransactionPage : Companion.ITokenlayPage<TokenlayCreditTransaction>
{
    /// <summary>The transactions of this page.</summary>
    public IReadOnlyList<TokenlayCreditTransaction> Data { get => _data ?? Array.Empty<TokenlayCreditTransaction>(); init => _data = value; }

    private readonly IReadOnlyList<TokenlayCreditTransaction>? _data;

    /// <summary>The cursor of the next page; null on the last.</summary>
    public string? NextCursor { get; init; }
}
