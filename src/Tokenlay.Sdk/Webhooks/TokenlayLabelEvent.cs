using System;
using System.Collections.Generic;

namespace Tokenlay;

/// <summary>
/// A conversation got an intent label worth knowing about (<c>label.detected</c>): any label but
/// <see cref="TokenlayLabel.Safe"/> and <see cref="TokenlayLabel.Win"/>. Sent to the webhooks of the
/// rule the call matched, once for the prompt's labels and once for what the reply adds.
/// </summary>
public class TokenlayLabelEvent : TokenlayWebhookEvent
{
    /// <summary>Creates an event; for tests and mocks (see <see cref="TokenlayModelFactory.LabelEvent"/>).</summary>
    public TokenlayLabelEvent(string id, DateTimeOffset created, string rawJson,
        IReadOnlyList<TokenlayLabel> labels, string? part, string? ruleId, string? requestId, string? user, string? org, string? project, string? feature, string? model)
        : base(id, LabelDetectedType, created, rawJson)
    {
        Labels = labels ?? throw new ArgumentNullException(nameof(labels));
        Part = part;
        RuleId = ruleId;
        RequestId = requestId;
        User = user;
        Org = org;
        Project = project;
        Feature = feature;
        Model = model;
    }

    /// <summary>The labels detected, such as <see cref="TokenlayLabel.Jailbreak"/>.</summary>
    public IReadOnlyList<TokenlayLabel> Labels { get; }

    /// <summary>Where they were found: <c>prompt</c> (the user's messages, before the call was admitted) or <c>reply</c>.</summary>
    public string? Part { get; }

    /// <summary>The rule the call matched, whose webhooks this event went to.</summary>
    public string? RuleId { get; }

    /// <summary>The labeled call, as in <see cref="TokenlayResponseInfo.RequestId"/>.</summary>
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
}
