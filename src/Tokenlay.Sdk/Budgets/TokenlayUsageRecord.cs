using System;

namespace Tokenlay;

/// <summary>
/// Usage that did not pass through the proxy (a browser's Realtime session, a local model, a batch
/// job), for <see cref="Companion.TokenlayUsageClient.RecordAsync(TokenlayUsageRecord, System.Threading.CancellationToken)"/>: counted in usage, logs and
/// every limit, like a proxied call.
/// </summary>
/// <example><code>await tokenlay.Usage.RecordAsync(new TokenlayUsageRecord("gpt-4o-realtime-preview", 1200, 300) { User = "alice" });</code></example>
public sealed class TokenlayUsageRecord : TokenlayUsageSubject
{
    /// <summary>Creates a record of <paramref name="inputTokens"/> and <paramref name="outputTokens"/> used with <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative.</exception>
    public TokenlayUsageRecord(string model, long inputTokens, long outputTokens)
        : base(model)
    {
        if (inputTokens < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(inputTokens), inputTokens, "Token counts cannot be negative.");
        }
        if (outputTokens < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(outputTokens), outputTokens, "Token counts cannot be negative.");
        }
        InputTokens = inputTokens;
        OutputTokens = outputTokens;
    }

    /// <summary>Prompt tokens.</summary>
    public long InputTokens { get; }

    /// <summary>Output tokens.</summary>
    public long OutputTokens { get; }

    /// <summary>The provider (<c>openai</c>, <c>anthropic</c>…), to find the price; <c>openai</c> when null.</summary>
    public string? Provider { get; set; }

    /// <summary>The cost in USD, when you know it; otherwise Tokenlay prices the tokens.</summary>
    public decimal? CostUsd { get; set; }

    /// <summary>When the usage happened; now when null. It counts in the limit windows of that time.</summary>
    public DateTimeOffset? OccurredAt { get; set; }

    /// <summary>Makes a retried record count once. Generated when null, and the same on the SDK's own retries.</summary>
    public string? IdempotencyKey { get; set; }
}
