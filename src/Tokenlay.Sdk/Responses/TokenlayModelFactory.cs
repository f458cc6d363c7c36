using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.ComponentModel;
using System.Text.Json;

namespace Tokenlay;

/// <summary>Builds Tokenlay result models for tests of code that consumes them.</summary>
public static class TokenlayModelFactory
{
    /// <summary>
    /// A <see cref="ClientResult{T}"/> for a mock of a companion method to return: <paramref name="value"/>
    /// over a raw response with the given status, headers and body (empty unless given). A 4xx or 5xx
    /// status makes the response <see cref="PipelineResponse.IsError"/>, as a real one is.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="status"/> is not from 100 to 599.</exception>
    /// <example>
    /// <code>
    /// public override Task&lt;ClientResult&lt;TokenlayUsage&gt;&gt; GetAsync(TokenlayUsageQuery? query = null, CancellationToken cancellationToken = default) =&gt;
    ///     Task.FromResult(TokenlayModelFactory.Result(new TokenlayUsage()));
    /// </code>
    /// </example>
    public static ClientResult<T> Result<T>(T value, int status = 200, IReadOnlyDictionary<string, string>? headers = null, BinaryData? content = null) =>
        ClientResult.FromValue(value, new TokenlayMockResponse(status, headers, content));

    /// <summary>Creates a <see cref="TokenlayResponseInfo"/> with the given values; <paramref name="labels"/> are the prompt's intent labels.</summary>
    public static TokenlayResponseInfo ResponseInfo(
        int status = 200,
        string? requestId = null,
        string? ruleId = null,
        TokenlayRuleAction? ruleAction = null,
        bool? limitExceeded = null,
        decimal? costUsd = null,
        long? tokensUsed = null,
        long? inputTokens = null,
        long? outputTokens = null,
        TimeSpan? duration = null,
        IReadOnlyList<string>? warnings = null,
        string? model = null,
        IReadOnlyList<TokenlayLabel>? labels = null,
        decimal? creditsUsed = null,
        decimal? creditsRemaining = null) =>
        new(status, requestId, ruleId, ruleAction, limitExceeded, costUsd, tokensUsed, inputTokens, outputTokens, duration,
            warnings ?? Array.Empty<string>(), model, labels ?? Array.Empty<TokenlayLabel>(), creditsUsed, creditsRemaining);

    /// <summary>Creates a <see cref="TokenlayResponseInfo"/> with the given values (the overload before labels, kept for binary compatibility).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static TokenlayResponseInfo ResponseInfo(
        int status, string? requestId, string? ruleId, string? ruleAction, bool? limitExceeded, decimal? costUsd,
        long? tokensUsed, long? inputTokens, long? outputTokens, TimeSpan? duration, IReadOnlyList<string>? warnings, string? model) =>
        ResponseInfo(status, requestId, ruleId, TokenlayRuleAction.FromWire(ruleAction), limitExceeded, costUsd, tokensUsed, inputTokens, outputTokens, duration, warnings, model, labels: null);

    /// <summary>
    /// Creates a <see cref="TokenlayLabelEvent"/> (<c>label.detected</c>) for tests of webhook handlers;
    /// its <see cref="TokenlayWebhookEvent.RawJson"/> is the payload Tokenlay would send.
    /// </summary>
    public static TokenlayLabelEvent LabelEvent(
        IReadOnlyList<TokenlayLabel>? labels = null,
        string part = "prompt",
        string id = "evt_test",
        DateTimeOffset? created = null,
        string? ruleId = null,
        string? requestId = null,
        string? user = null,
        string? org = null,
        string? project = null,
        string? feature = null,
        string? model = null)
    {
        labels ??= new[] { TokenlayLabel.Jailbreak };
        DateTimeOffset at = created ?? DateTimeOffset.UtcNow;
        using var buffer = new System.IO.MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("type", TokenlayWebhookEvent.LabelDetectedType);
            json.WriteNumber("created", at.ToUnixTimeSeconds());
            json.WriteStartObject("data");
            json.WriteString("request_id", requestId);
            json.WriteString("rule_id", ruleId);
            json.WriteStartArray("labels");
            foreach (TokenlayLabel label in labels)
            {
                json.WriteStringValue(label.ToString());
            }
            json.WriteEndArray();
            json.WriteString("part", part);
            json.WriteString("user", user);
            json.WriteString("org", org);
            json.WriteString("project", project);
            json.WriteString("feature", feature);
            json.WriteString("model", model);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        string raw = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        return new TokenlayLabelEvent(id, DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds()), raw, labels, part, ruleId, requestId, user, org, project, feature, model);
    }

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
            Id = id, Status = TokenlayReservationStatus.Active, Model = model, RuleId = ruleId,
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

    /// <summary>Creates a <see cref="TokenlayCreditGrant"/>.</summary>
    public static TokenlayCreditGrant CreditGrant(
        string id = "cg_test",
        string account = "user:test",
        decimal amount = 0,
        decimal? remaining = null,
        int priority = 10,
        DateTimeOffset? effectiveAt = null,
        DateTimeOffset? expiresAt = null,
        string? category = "paid",
        string? description = null,
        string? source = "grant",
        DateTimeOffset? createdAt = null) =>
        new()
        {
            Id = id, Account = account, Amount = amount, Remaining = remaining ?? amount, Priority = priority, EffectiveAt = effectiveAt, ExpiresAt = expiresAt,
            Category = category, Description = description, Source = source, CreatedAt = createdAt ?? DateTimeOffset.UtcNow,
        };

    /// <summary>Creates a <see cref="TokenlayCreditAccount"/>; <c>available</c> is <paramref name="settled"/> minus <paramref name="held"/> unless given.</summary>
    public static TokenlayCreditAccount CreditAccount(
        string account = "user:test",
        decimal settled = 0,
        decimal held = 0,
        decimal? available = null,
        string? tier = null,
        DateTimeOffset? nextRefillAt = null,
        IReadOnlyList<TokenlayCreditGrant>? grants = null) =>
        new()
        {
            Account = account, Settled = settled, Held = held, Available = available ?? settled - held, Tier = tier, NextRefillAt = nextRefillAt,
            Grants = grants ?? Array.Empty<TokenlayCreditGrant>(),
        };

    /// <summary>Creates a <see cref="TokenlayCreditTransaction"/>.</summary>
    public static TokenlayCreditTransaction CreditTransaction(
        string id = "ctx_test",
        string type = "grant",
        decimal amount = 0,
        decimal balanceAfter = 0,
        string? account = "user:test",
        DateTimeOffset? createdAt = null,
        string? logId = null,
        string? grantId = null,
        string? reason = null,
        decimal? heldReleased = null,
        long? inputTokens = null,
        long? outputTokens = null) =>
        new()
        {
            Id = id, Type = type, Amount = amount, BalanceAfter = balanceAfter, Account = account, CreatedAt = createdAt ?? DateTimeOffset.UtcNow,
            LogId = logId, GrantId = grantId, Reason = reason, HeldReleased = heldReleased, InputTokens = inputTokens, OutputTokens = outputTokens,
        };

    /// <summary>Creates a <see cref="TokenlayCreditTransactionPage"/>.</summary>
    public static TokenlayCreditTransactionPage CreditTransactionPage(IReadOnlyList<TokenlayCreditTransaction>? data = null, string? nextCursor = null) =>
        new() { Data = data ?? Array.Empty<TokenlayCreditTransaction>(), NextCursor = nextCursor };

    /// <summary>Creates a <see cref="TokenlayCreditTier"/>.</summary>
    public static TokenlayCreditTier CreditTier(string id = "tier_test", decimal allocation = 1000, string period = "month", decimal? rolloverMax = null,
        IReadOnlyList<TokenlayCreditAlert>? alerts = null) =>
        new(id, allocation, period) { RolloverMax = rolloverMax, Alerts = alerts ?? Array.Empty<TokenlayCreditAlert>() };

    /// <summary>Creates a <see cref="TokenlayBlockEntry"/>.</summary>
    public static TokenlayBlockEntry BlockEntry(string subject = "user:test", string? reason = null, DateTimeOffset? until = null, DateTimeOffset? createdAt = null,
        string? ruleId = null) =>
        new() { Subject = subject, Reason = reason, Until = until, CreatedAt = createdAt ?? DateTimeOffset.UtcNow, RuleId = ruleId };

    /// <summary>Creates a <see cref="TokenlayBlockEntryPage"/>.</summary>
    public static TokenlayBlockEntryPage BlockEntryPage(IReadOnlyList<TokenlayBlockEntry>? data = null, string? nextCursor = null) =>
        new() { Data = data ?? Array.Empty<TokenlayBlockEntry>(), NextCursor = nextCursor };

    /// <summary>Creates a <see cref="TokenlayCheckResult"/>; a <paramref name="block"/> makes it a refusal by the blocklist.</summary>
    public static TokenlayCheckResult CheckResult(
        bool? allowed = null,
        TokenlayRuleAction? action = null,
        string? ruleId = null,
        string? model = null,
        IReadOnlyList<string>? warnings = null,
        IReadOnlyList<TokenlayLimitStatus>? limits = null,
        TokenlayBlockEntry? block = null) =>
        new()
        {
            Allowed = allowed ?? block is null, Action = action ?? (block is null ? TokenlayRuleAction.Allow : TokenlayRuleAction.Block), RuleId = ruleId, Model = model,
            Warnings = warnings ?? Array.Empty<string>(), Limits = limits ?? Array.Empty<TokenlayLimitStatus>(), Block = block,
        };

    /// <summary>Creates a <see cref="TokenlayThresholdEvent"/> (type <c>limit.threshold</c>).</summary>
    public static TokenlayThresholdEvent ThresholdEvent(
        string id = "evt_test",
        string? ruleId = null,
        string? subject = null,
        TokenlayLimit? limit = null,
        decimal? current = null,
        decimal? max = null,
        decimal? threshold = null,
        string? thresholdKind = "at_percent",
        DateTimeOffset? windowResetsAt = null,
        DateTimeOffset? created = null) =>
        new(id, TokenlayWebhookEvent.LimitThresholdType, created ?? DateTimeOffset.UtcNow, "{}", ruleId, subject, limit, current, max, threshold, thresholdKind, windowResetsAt);

    /// <summary>Creates a <see cref="TokenlayCreditBalanceEvent"/>: <c>credits.exhausted</c> when <paramref name="exhausted"/>, else <c>credits.low_balance</c>.</summary>
    public static TokenlayCreditBalanceEvent CreditBalanceEvent(string id = "evt_test", string? account = null, decimal? available = null, decimal? threshold = null,
        bool exhausted = false, DateTimeOffset? created = null) =>
        new(id, exhausted ? TokenlayWebhookEvent.CreditsExhaustedType : TokenlayWebhookEvent.CreditsLowBalanceType, created ?? DateTimeOffset.UtcNow, "{}",
            account, available, threshold);

    /// <summary>Creates a <see cref="TokenlayMeteredResult{T}"/>, for tests of code that calls <see cref="Companion.TokenlayLimitsClient.RunMeteredAsync{T}"/>.</summary>
    public static TokenlayMeteredResult<T> MeteredResult<T>(
        TokenlayMeteredStatus status,
        T? value = default,
        Exception? exception = null,
        TokenlayReservation? reservation = null,
        TokenlayRecordResult? commit = null,
        Exception? commitException = null,
        Exception? releaseException = null) =>
        new(status, value, exception, reservation, commit, commitException, releaseException);
}
