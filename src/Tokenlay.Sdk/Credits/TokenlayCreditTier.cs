using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Tokenlay;

/// <summary>
/// A plan that refills: <see cref="Allocation"/> credits every <see cref="Period"/>, expiring at the
/// period's end, with at most <see cref="RolloverMax"/> unused credits carried into the next one.
/// </summary>
/// <example><code>new TokenlayCreditTier("pro", 10_000m, "month") { RolloverMax = 2_000m, Alerts = [TokenlayCreditAlert.BelowPercent(20)] }</code></example>
public sealed class TokenlayCreditTier
{
    /// <summary>For deserialization.</summary>
    [JsonConstructor]
    public TokenlayCreditTier()
    {
    }

    /// <summary>Creates a tier.</summary>
    /// <param name="id">The tier id, 1 to 100 characters.</param>
    /// <param name="allocation">Credits per period, above 0.</param>
    /// <param name="period"><c>day</c>, <c>week</c>, <c>month</c> or <c>year</c>.</param>
    public TokenlayCreditTier(string id, decimal allocation, string period)
    {
        Id = id;
        Allocation = allocation;
        Period = period;
    }

    /// <summary>The tier id.</summary>
    public string Id { get => _id ?? ""; init => _id = value; }

    private readonly string? _id;

    /// <summary>Credits per period.</summary>
    public decimal Allocation { get; init; }

    /// <summary><c>day</c>, <c>week</c>, <c>month</c> or <c>year</c>.</summary>
    public string Period { get => _period ?? ""; init => _period = value; }

    private readonly string? _period;

    /// <summary>The most unused credits carried into the next period; null (the default) carries none.</summary>
    [JsonIgnore]
    public decimal? RolloverMax { get; init; }

    /// <summary>Low-balance thresholds, each sending one <c>credits.low_balance</c> webhook per crossing.</summary>
    public IReadOnlyList<TokenlayCreditAlert> Alerts { get => _alerts ?? Array.Empty<TokenlayCreditAlert>(); init => _alerts = value; }

    private readonly IReadOnlyList<TokenlayCreditAlert>? _alerts;

    [JsonInclude]
    [JsonPropertyName("rollover")]
    internal TokenlayCreditRollover? Rollover
    {
        get => RolloverMax is { } max ? new TokenlayCreditRollover { Max = max } : null;
        init => RolloverMax = value?.Max;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Id}: {Allocation} credits per {Period}" + (RolloverMax is { } max ? $", rollover up to {max}" : "");
}

/// <summary>The <c>rollover</c> object of a tier on the wire.</summary>
internal sealed class TokenlayCreditRollover
{
    public decimal Max { get; init; }
}
