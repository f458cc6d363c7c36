using System;
using System.Collections.Generic;

namespace Tokenlay;

/// <summary>Builds Tokenlay result models for tests of code that consumes them.</summary>
public static class TokenlayModelFactory
{
    /// <summary>Creates a <see cref="TokenlayResponseInfo"/> with the given values.</summary>
    public static TokenlayResponseInfo ResponseInfo(
        int status = 200,
        string? requestId = null,
        string? ruleId = null,
        string? ruleAction = null,
        bool? limitExceeded = null,
        decimal? costUsd = null,
        long? tokensUsed = null,
        long? inputTokens = null,
        long? outputTokens = null,
        TimeSpan? duration = null,
        IReadOnlyList<string>? warnings = null,
        string? model = null) =>
        new(status, requestId, ruleId, ruleAction, limitExceeded, costUsd, tokensUsed, inputTokens, outputTokens, duration,
            warnings ?? Array.Empty<string>(), model);
}
