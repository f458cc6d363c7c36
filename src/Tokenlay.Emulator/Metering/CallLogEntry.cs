using System;
using System.Collections.Generic;

namespace Tokenlay.Emulator.Metering;

/// <summary>One metered call, as <c>GET /v1/logs</c> returns it.</summary>
public sealed class CallLogEntry
{
    /// <summary>The request id (<c>x-tokenlay-request-id</c>).</summary>
    public required string Id { get; init; }

    /// <summary>Order of arrival; cursors page by it.</summary>
    public long Sequence { get; init; }

    /// <summary>When the call arrived (UTC).</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary><c>chat.completions</c>, <c>responses</c> or <c>embeddings</c>.</summary>
    public required string Endpoint { get; init; }

    /// <summary>Attribution.</summary>
    public string? User { get; init; }

    /// <summary>Attribution.</summary>
    public string? Org { get; init; }

    /// <summary>Attribution.</summary>
    public string? Plan { get; init; }

    /// <summary>Attribution.</summary>
    public string? Project { get; init; }

    /// <summary>Attribution.</summary>
    public string? Feature { get; init; }

    /// <summary>Every <c>x-tokenlay-*</c> metadata entry of the call, decoded.</summary>
    public Dictionary<string, string> Metadata { get; init; } = new();

    /// <summary>The model the caller asked for.</summary>
    public string? ModelRequested { get; init; }

    /// <summary>The model that served the call (after a rule's model or a downgrade).</summary>
    public string? ModelUsed { get; set; }

    /// <summary>The provider, when known.</summary>
    public string? Provider { get; init; }

    /// <summary>Input tokens.</summary>
    public long InputTokens { get; set; }

    /// <summary>Output tokens.</summary>
    public long OutputTokens { get; set; }

    /// <summary>Cost in USD; null when the model has no price.</summary>
    public decimal? CostUsd { get; set; }

    /// <summary>Time spent, in milliseconds.</summary>
    public double LatencyMs { get; set; }

    /// <summary>Whether the call succeeded.</summary>
    public bool Success { get; set; }

    /// <summary>The HTTP status returned.</summary>
    public int Status { get; set; }

    /// <summary>The rule that matched.</summary>
    public string? RuleId { get; set; }

    /// <summary>What the rule did: allow, block, warn, queue or downgrade.</summary>
    public string RuleAction { get; set; } = "allow";

    /// <summary>Whether the reply was streamed.</summary>
    public bool Stream { get; init; }

    /// <summary>The caller's idempotency key.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>The error message, for failed calls.</summary>
    public string? Error { get; set; }

    /// <summary>
    /// Whether the call counts in usage totals and limits: it succeeded, or it was cut off after the
    /// provider produced something (an abandoned stream is metered for what was sent).
    /// </summary>
    public bool Counted { get; set; }

    /// <summary>Where the entry comes from: <c>proxy</c> (a proxied call), <c>recorded</c> (<c>POST /v1/usage/records</c>), <c>reservation</c> (a commit) or <c>labeler</c> (the model labeler's own call).</summary>
    public string Source { get; init; } = "proxy";

    /// <summary>
    /// How the token numbers were obtained: <c>counted</c> (the model's tokenizer, exact),
    /// <c>provider</c> (the provider's usage, checked), <c>estimated</c> (no exact tokenizer for the
    /// model, or the provider's usage was missing or implausible) or <c>reported</c> (given by the app).
    /// </summary>
    public string? UsageSource { get; set; }

    /// <summary>The customer whose connected key served the call (<c>x-tokenlay-key-ref</c>), if any.</summary>
    public string? KeyRef { get; init; }

    /// <summary>The id of that connected key (never the key itself).</summary>
    public string? KeyId { get; init; }

    /// <summary>The reservation the call drew on (<c>x-tokenlay-reservation</c>), if any.</summary>
    public string? ReservationId { get; set; }

    /// <summary>
    /// The conversation's intent labels: the prompt's and, once the reply is labeled (after the call
    /// ends), the reply's (<c>jailbreak</c>, <c>tos_breach</c>, <c>frustration</c>, <c>win</c>, or
    /// <c>safe</c> alone). Null when nothing was labeled (labeler off, or not a conversation).
    /// </summary>
    public IReadOnlyList<string>? Labels { get; set; }

    /// <summary>The prompt's labels, as sent in <c>x-tokenlay-labels</c>; null when the prompt was not labeled.</summary>
    public IReadOnlyList<string>? PromptLabels { get; set; }

    /// <summary>Why the prompt or the reply could not be labeled (a labeler failure or timeout); the call itself is unaffected.</summary>
    public string? LabelsError { get; set; }
}
