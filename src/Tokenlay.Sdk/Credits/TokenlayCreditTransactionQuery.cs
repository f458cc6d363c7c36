using System;

namespace Tokenlay;

/// <summary>Filters for <see cref="Companion.TokenlayCreditsClient.ListTransactionsAsync"/>; unset filters match everything.</summary>
public sealed class TokenlayCreditTransactionQuery
{
    /// <summary>Only this type: <c>grant</c>, <c>refill</c>, <c>burn</c>, <c>expiry</c>, <c>adjustment</c>, <c>rollover</c> or <c>release</c>.</summary>
    public string? Type { get; set; }

    /// <summary>Transactions at or after this time.</summary>
    public DateTimeOffset? Since { get; set; }

    /// <summary>Transactions before this time.</summary>
    public DateTimeOffset? Until { get; set; }

    /// <summary>Transactions per page, 1 to 1000; the server's default (50) when null.</summary>
    public int? PageSize { get; set; }
}
