using System;
using System.Collections.Generic;

namespace Tokenlay.AI;

/// <summary>
/// Gathers what Tokenlay reported for every HTTP response of one logical chat or embedding call
/// (a function-invocation loop makes several), and combines them for the caller.
/// </summary>
internal sealed class TokenlayResponseCollector
{
    private readonly List<TokenlayResponseInfo> _responses = new();

    public TokenlayResponseCollector()
    {
        Context = TokenlayResolvedContext.FromContext(new TokenlayRequestContext { OnResponse = Add });
    }

    /// <summary>A scope context whose only effect is to call <see cref="Add"/> for each response.</summary>
    public TokenlayResolvedContext Context { get; }

    public void Add(TokenlayResponseInfo info)
    {
        lock (_responses)
        {
            _responses.Add(info);
        }
    }

    /// <summary>All responses as one: see <see cref="TokenlayResponseInfo.Combine"/>; null when none arrived.</summary>
    public TokenlayResponseInfo? Combined()
    {
        lock (_responses)
        {
            return _responses.Count == 0 ? null : TokenlayResponseInfo.Combine(_responses);
        }
    }
}
