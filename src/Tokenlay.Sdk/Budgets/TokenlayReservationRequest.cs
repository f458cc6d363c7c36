using System;
using System.Linq;

namespace Tokenlay;

/// <summary>
/// Budget to hold for a job (<see cref="Companion.TokenlayLimitsClient.ReserveAsync(TokenlayReservationRequest, System.Threading.CancellationToken)"/>): an estimate in
/// tokens or in USD, held against the limits for everyone else until committed, released or expired.
/// </summary>
/// <example><code>var request = new TokenlayReservationRequest("gpt-4o") { User = "alice", EstimatedCostUsd = 0.25m, TimeToLive = TimeSpan.FromMinutes(10) };</code></example>
public sealed class TokenlayReservationRequest : TokenlayUsageSubject
{
    /// <summary>The longest a reservation may live.</summary>
    public static readonly TimeSpan MaxTimeToLive = TimeSpan.FromDays(1);

    /// <summary>Creates a reservation request for work with <paramref name="model"/>.</summary>
    public TokenlayReservationRequest(string model)
        : base(model)
    {
    }

    /// <summary>Prompt tokens the job expects to use.</summary>
    public long? EstimatedInputTokens { get; set; }

    /// <summary>Output tokens the job expects to use.</summary>
    public long? EstimatedOutputTokens { get; set; }

    /// <summary>The job's expected cost in USD; an alternative to the token estimate (token limits then hold nothing).</summary>
    public decimal? EstimatedCostUsd { get; set; }

    /// <summary>How long the hold lives if neither committed nor released; 5 minutes when null, at most <see cref="MaxTimeToLive"/>.</summary>
    public TimeSpan? TimeToLive { get; set; }

    /// <summary>
    /// Makes the reservation idempotent: the same key again (a retry whose answer was lost, a job
    /// restarted) gets the same reservation back instead of a second hold. When null the SDK
    /// generates one per call, the same on each of its retries. 1 to 255 characters.
    /// </summary>
    public string? IdempotencyKey { get; set; }

    internal void Validate()
    {
        if (IdempotencyKey is { } key && (key.Length is 0 or > 255 || key.Any(c => c is '\r' or '\n' or '\0')))
        {
            throw new ArgumentException("IdempotencyKey must be 1 to 255 characters, without CR, LF or NUL.", "request");
        }
        if (EstimatedInputTokens is null && EstimatedOutputTokens is null && EstimatedCostUsd is null)
        {
            throw new ArgumentException("Give an estimate: EstimatedInputTokens and EstimatedOutputTokens, or EstimatedCostUsd.", "request");
        }
        if (EstimatedInputTokens < 0 || EstimatedOutputTokens < 0 || EstimatedCostUsd < 0)
        {
            throw new ArgumentException("Estimates cannot be negative.", "request");
        }
        if (TimeToLive is { } ttl && (ttl < TimeSpan.FromSeconds(1) || ttl > MaxTimeToLive))
        {
            throw new ArgumentException($"TimeToLive must be from 1 second to {MaxTimeToLive.TotalHours} hours (got {ttl}).", "request");
        }
    }
}
