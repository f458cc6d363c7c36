using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Tokenlay.Companion;

/// <summary>One metered call (<c>GET /v1/logs</c>).</summary>
public sealed class TokenlayLogEntry
{
    /// <summary>The request id, as in <c>x-tokenlay-request-id</c>.</summary>
    public string Id { get => _id ?? ""; init => _id = value; }

    private readonly string? _id;

    /// <summary>
    /// The call's place in arrival order, rising across restarts: it orders two calls of the same
    /// <see cref="Timestamp"/> tick, and pages (newest first) follow it.
    /// </summary>
    public long Sequence { get; init; }

    /// <summary>When the call arrived (UTC).</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The API called, for example <c>chat.completions</c>.</summary>
    public string? Endpoint { get; init; }

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

    /// <summary>Every metadata entry of the call.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get => _metadata ?? new Dictionary<string, string>(); init => _metadata = value; }

    private readonly IReadOnlyDictionary<string, string>? _metadata;

    /// <summary>The model asked for.</summary>
    public string? ModelRequested { get; init; }

    /// <summary>The model that served the call.</summary>
    public string? ModelUsed { get; init; }

    /// <summary>The provider, when known.</summary>
    public string? Provider { get; init; }

    /// <summary>Input tokens.</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Cost in USD; null when the model has no price.</summary>
    public decimal? CostUsd { get; init; }

    /// <summary>Time spent by the proxy, in milliseconds.</summary>
    public double LatencyMs { get; init; }

    /// <summary><see cref="LatencyMs"/> as a <see cref="TimeSpan"/>.</summary>
    [JsonIgnore]
    public TimeSpan Latency => TimeSpan.FromMilliseconds(LatencyMs);

    /// <summary>Whether the call succeeded.</summary>
    public bool Success { get; init; }

    /// <summary>The HTTP status returned to the caller.</summary>
    public int Status { get; init; }

    /// <summary>The rule that matched.</summary>
    public string? RuleId { get; init; }

    /// <summary>What the rule did.</summary>
    public string? RuleAction { get; init; }

    /// <summary>Whether the reply was streamed.</summary>
    public bool Stream { get; init; }

    /// <summary>The call's idempotency key.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Set when this call repeated an already successful idempotency key (it is not counted). Tokenlay now replays such calls without logging them.</summary>
    public string? DuplicateOf { get; init; }

    /// <summary>Whether the call counts in usage and limits: it succeeded, or a stream was cut short after output was produced.</summary>
    public bool Counted { get; init; }

    /// <summary>Where the entry comes from: <c>proxy</c>, <c>recorded</c> (<see cref="TokenlayUsageClient.RecordAsync(TokenlayUsageRecord, System.Threading.CancellationToken)"/>) or <c>reservation</c> (<see cref="TokenlayReservation.CommitAsync"/>).</summary>
    public string? Source { get; init; }

    /// <summary>How the tokens were counted: <c>counted</c> (the model's tokenizer), <c>provider</c>, <c>estimated</c> or <c>reported</c> (by the app).</summary>
    public string? UsageSource { get; init; }

    /// <summary>The reservation the call drew on, if any.</summary>
    public string? ReservationId { get; init; }

    /// <summary>The customer whose connected key served the call (<see cref="TokenlayRequestContext.KeyRef"/>), if any.</summary>
    public string? KeyRef { get; init; }

    /// <summary>The id of that connected key (<see cref="TokenlayConnectedKey.Id"/>); never the key.</summary>
    public string? KeyId { get; init; }

    /// <summary>The error, for failed calls.</summary>
    public string? Error { get; init; }

    /// <summary>
    /// The conversation's intent labels: the prompt's and, once the reply is labeled (after the call
    /// ended), the reply's. <see cref="TokenlayLabel.Safe"/> alone when none applies; null when the
    /// call was not labeled (labeler off, not a conversation, or the labeler failed: see <see cref="LabelsError"/>).
    /// </summary>
    public IReadOnlyList<TokenlayLabel>? Labels { get; init; }

    /// <summary>The prompt's labels alone, as <see cref="TokenlayResponseInfo.Labels"/> reported them.</summary>
    public IReadOnlyList<TokenlayLabel>? PromptLabels { get; init; }

    /// <summary>Why the prompt or the reply could not be labeled (a labeler failure or timeout); the call itself was not affected.</summary>
    public string? LabelsError { get; init; }
}

/// <summary>One page of logs, newest first.</summary>
public sealed class TokenlayLogPage : ITokenlayPage<TokenlayLogEntry>
{
    /// <summary>The entries of this page.</summary>
    public IReadOnlyList<TokenlayLogEntry> Data { get => _data ?? Array.Empty<TokenlayLogEntry>(); init => _data = value; }

    private readonly IReadOnlyList<TokenlayLogEntry>? _data;

    /// <summary>Pass to the next request for the following page; null on the last page.</summary>
    public string? NextCursor { get; init; }

    /// <summary>How many entries match the query in all.</summary>
    public int Total { get; init; }
}
