using System;

namespace Tokenlay;

/// <summary>Credits to grant to an account (<see cref="Companion.TokenlayCreditsClient.GrantAsync(TokenlayCreditGrantRequest, System.Threading.CancellationToken)"/>).</summary>
/// <example><code>new TokenlayCreditGrantRequest("user:alice", 500m) { Category = "promotional", ExpiresAt = DateTimeOffset.UtcNow.AddDays(30) }</code></example>
public sealed class TokenlayCreditGrantRequest
{
    /// <summary>The largest amount one grant may carry.</summary>
    public const decimal MaxAmount = 1_000_000_000_000m;

    /// <summary>Creates a grant of <paramref name="amount"/> credits to <paramref name="account"/>.</summary>
    /// <param name="account">The account, written <c>per:key</c> (<c>user:alice</c>, <c>org:acme</c>); created by its first grant.</param>
    /// <param name="amount">Credits, above 0 and at most <see cref="MaxAmount"/>.</param>
    public TokenlayCreditGrantRequest(string account, decimal amount)
    {
        Account = account;
        Amount = amount;
    }

    /// <summary>The account, written <c>per:key</c>.</summary>
    public string Account { get; set; }

    /// <summary>Credits, above 0 and at most <see cref="MaxAmount"/>.</summary>
    public decimal Amount { get; set; }

    /// <summary>A whole number; lower burns first. The server's default (10) when null.</summary>
    public int? Priority { get; set; }

    /// <summary>When the credits start to count; now when null.</summary>
    public DateTimeOffset? EffectiveAt { get; set; }

    /// <summary>When what is left of the grant stops counting (an <c>expiry</c> transaction records it); never when null.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary><c>paid</c> (the default) or <c>promotional</c>.</summary>
    public string? Category { get; set; }

    /// <summary>Shown in the history and the dashboard.</summary>
    public string? Description { get; set; }

    /// <summary>
    /// Makes a retried grant count once: the same key and body again answer the same grant, the same
    /// key with another body is a <see cref="TokenlayConflictException"/>. When null the SDK makes one
    /// per call (the same on the pipeline's retries); set your own (an order or invoice id) to make the
    /// grant idempotent across processes.
    /// </summary>
    public string? IdempotencyKey { get; set; }

    internal void Validate()
    {
        CreditAccounts.Validate(Account, "request");
        if (Amount <= 0 || Amount > MaxAmount)
        {
            throw new ArgumentOutOfRangeException("request", Amount, $"Amount must be above 0 and at most {MaxAmount:N0} credits.");
        }
        if (ExpiresAt is { } end && EffectiveAt is { } start && end <= start)
        {
            throw new ArgumentException($"ExpiresAt ({end:O}) must be after EffectiveAt ({start:O}).", "request");
        }
    }
}
