using System;

namespace Tokenlay;

/// <summary>What the error response said, gathered once and handed to the exception constructors.</summary>
internal sealed class TokenlayErrorDetails
{
    public static readonly TokenlayErrorDetails None = new();

    public string? Type { get; init; }
    public string? Code { get; init; }
    public string? Param { get; init; }
    public string? RequestId { get; init; }
    public TimeSpan? RetryAfter { get; init; }
    public TokenlayErrorSource Source { get; init; }
    public string? RuleId { get; init; }
    public TokenlayLimit? Limit { get; init; }
    public string? CreditAccount { get; init; }
    public decimal? CreditsAvailable { get; init; }
    public decimal? CreditsRequired { get; init; }
    public string? BlockSubject { get; init; }
    public string? BlockReason { get; init; }
    public DateTimeOffset? BlockUntil { get; init; }
}
