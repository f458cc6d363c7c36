using System;

namespace Tokenlay;

/// <summary>
/// A credit account's available balance crossed one of its tier's alerts (<c>credits.low_balance</c>) or
/// reached zero (<c>credits.exhausted</c>): sent once per crossing.
/// </summary>
public class TokenlayCreditBalanceEvent : TokenlayWebhookEvent
{
    /// <summary>Creates an event; for tests and mocks.</summary>
    public TokenlayCreditBalanceEvent(string id, string type, DateTimeOffset created, string rawJson,
        string? account, decimal? available, decimal? threshold)
        : base(id, type, created, rawJson)
    {
        Account = account;
        Available = available;
        Threshold = threshold;
    }

    /// <summary>The account, written <c>per:key</c>.</summary>
    public string? Account { get; }

    /// <summary>What the account had available when the event was raised.</summary>
    public decimal? Available { get; }

    /// <summary>The balance (in credits) the alert fires below; 0 for <c>credits.exhausted</c>.</summary>
    public decimal? Threshold { get; }

    /// <summary>Whether this is the <c>credits.exhausted</c> event.</summary>
    public bool IsExhausted => Type == CreditsExhaustedType;
}
