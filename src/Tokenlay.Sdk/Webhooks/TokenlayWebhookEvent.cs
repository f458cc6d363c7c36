using System;
using System.Text.Json;

namespace Tokenlay;

/// <summary>
/// A verified webhook event from Tokenlay. Known types come as subclasses
/// (<see cref="TokenlayLimitEvent"/>, <see cref="TokenlayLabelEvent"/>, <see cref="TokenlayThresholdEvent"/>, <see cref="TokenlayCreditBalanceEvent"/>); every event keeps its raw JSON in <see cref="RawJson"/>.
/// </summary>
public class TokenlayWebhookEvent
{
    /// <summary>The type of events sent when a limit blocks, downgrades or queues a call.</summary>
    public const string LimitExceededType = "limit.exceeded";

    /// <summary>The type of events sent when a warn rule lets a call through over a limit.</summary>
    public const string LimitWarningType = "limit.warning";

    /// <summary>The type of events sent when a conversation gets an intent label other than safe and win (<see cref="TokenlayLabelEvent"/>).</summary>
    public const string LabelDetectedType = "label.detected";

    /// <summary>The type of events sent when a limit's use crosses one of its alert thresholds (<see cref="TokenlayThresholdEvent"/>).</summary>
    public const string LimitThresholdType = "limit.threshold";

    /// <summary>The type of events sent when a credit balance falls below an alert (<see cref="TokenlayCreditBalanceEvent"/>).</summary>
    public const string CreditsLowBalanceType = "credits.low_balance";

    /// <summary>The type of events sent when a credit balance reaches zero (<see cref="TokenlayCreditBalanceEvent"/>).</summary>
    public const string CreditsExhaustedType = "credits.exhausted";

    /// <summary>Creates an event; for tests and mocks.</summary>
    public TokenlayWebhookEvent(string id, string type, DateTimeOffset created, string rawJson)
    {
        Id = id;
        Type = type;
        Created = created;
        RawJson = rawJson;
    }

    /// <summary>The event id; deliveries may repeat, so use it to process each event once.</summary>
    public string Id { get; }

    /// <summary>The event type, for example <see cref="LimitExceededType"/>.</summary>
    public string Type { get; }

    /// <summary>When the event happened (UTC).</summary>
    public DateTimeOffset Created { get; }

    /// <summary>The payload exactly as received.</summary>
    public string RawJson { get; }
}

/// <summary>A limit was reached (<c>limit.exceeded</c>) or crossed under a warn rule (<c>limit.warning</c>).</summary>
public class TokenlayLimitEvent : TokenlayWebhookEvent
{
    /// <summary>Creates an event; for tests and mocks.</summary>
    public TokenlayLimitEvent(string id, string type, DateTimeOffset created, string rawJson,
        string? ruleId, string? action, string? requestId, string? user, string? org, string? project, string? feature, string? model, TokenlayLimit? limit)
        : base(id, type, created, rawJson)
    {
        RuleId = ruleId;
        Action = action;
        RequestId = requestId;
        User = user;
        Org = org;
        Project = project;
        Feature = feature;
        Model = model;
        Limit = limit;
    }

    /// <summary>The rule whose limit was reached.</summary>
    public string? RuleId { get; }

    /// <summary>What the rule did: <c>block</c>, <c>downgrade</c>, <c>warn</c> or <c>queue</c>.</summary>
    public string? Action { get; }

    /// <summary>The call that reached the limit.</summary>
    public string? RequestId { get; }

    /// <summary>Attribution of that call.</summary>
    public string? User { get; }

    /// <summary>Attribution of that call.</summary>
    public string? Org { get; }

    /// <summary>Attribution of that call.</summary>
    public string? Project { get; }

    /// <summary>Attribution of that call.</summary>
    public string? Feature { get; }

    /// <summary>The model asked for.</summary>
    public string? Model { get; }

    /// <summary>The limit reached.</summary>
    public TokenlayLimit? Limit { get; }
}
