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
        string? model = null,
        decimal? creditsUsed = null,
        decimal? creditsRemaining = null) =>
        new(status, requestId, ruleId, ruleAction, limitExceeded, costUsd, tokensUsed, inputTokens, outputTokens, duration,
            warnings ?? Array.Empty<string>(), model, creditsUsed, creditsRemaining);

    /// <summary>
    /// Creates an in-memory <see cref="TokenlayReservation"/> for tests: no server behind it, so
    /// <see cref="TokenlayReservation.CommitAsync"/> moves tokens from <see cref="TokenlayReservation.Held"/>
    /// to <see cref="TokenlayReservation.Used"/> locally and disposing it marks it released.
    /// </summary>
    public static TokenlayReservation Reservation(
        string id = "rsv_test",
        long heldTokens = 0,
        decimal heldCostUsd = 0,
        DateTimeOffset? expiresAt = null,
        string? model = null,
        string? ruleId = null) =>
        new(new TokenlayReservationState
        {
            Id = id, Status = "active", Model = model, RuleId = ruleId,
            Held = new TokenlayBudgetAmount { Tokens = heldTokens, CostUsd = heldCostUsd },
            CreatedAt = DateTimeOffset.UtcNow, ExpiresAt = expiresAt ?? DateTimeOffset.UtcNow.AddMinutes(5),
        }, null);
}
