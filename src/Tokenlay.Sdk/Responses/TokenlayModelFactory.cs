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

    /// <summary>Creates a <see cref="TokenlayConnectedKey"/>, for tests of code that reads connected keys (there is no secret on it).</summary>
    public static TokenlayConnectedKey ConnectedKey(
        string id = "key_test",
        string refId = "customer",
        TokenlayKeyProvider? provider = null,
        Uri? baseUrl = null,
        string keyHint = "abcd",
        TokenlayKeyStatus? status = null,
        DateTimeOffset? createdAt = null,
        DateTimeOffset? lastValidatedAt = null,
        DateTimeOffset? lastUsedAt = null,
        long callCount = 0,
        string? label = null,
        TokenlayKeyConfig? config = null) =>
        new()
        {
            Id = id, RefId = refId, Provider = provider ?? TokenlayKeyProvider.OpenAI, BaseUrl = baseUrl ?? TokenlayOptions.DefaultProviderApiBase,
            KeyHint = keyHint, Status = status ?? TokenlayKeyStatus.Active, CreatedAt = createdAt ?? DateTimeOffset.UtcNow,
            LastValidatedAt = lastValidatedAt, LastUsedAt = lastUsedAt, FirstUsedAt = lastUsedAt, CallCount = callCount, Label = label, Config = config,
            RevokedAt = status == TokenlayKeyStatus.Revoked ? DateTimeOffset.UtcNow : null,
        };

    /// <summary>Creates a <see cref="TokenlayKeyEvent"/>, for tests of code that reads a key's audit trail.</summary>
    public static TokenlayKeyEvent KeyEvent(
        string type = "connected",
        string keyId = "key_test",
        DateTimeOffset? createdAt = null,
        string? actor = "tlk_test",
        string? outcome = null,
        string? detail = null,
        string id = "kev_test") =>
        new() { Id = id, KeyId = keyId, Type = type, CreatedAt = createdAt ?? DateTimeOffset.UtcNow, Actor = actor, Outcome = outcome, Detail = detail };
}
