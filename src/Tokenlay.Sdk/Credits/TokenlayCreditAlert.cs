namespace Tokenlay;

/// <summary>A low-balance threshold of a tier: below a number of credits, or below a percent of the allocation.</summary>
public sealed class TokenlayCreditAlert
{
    /// <summary>Fires when <c>available</c> falls below this many credits.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("below")]
    public decimal? Below { get; init; }

    /// <summary>Fires when <c>available</c> falls below this percent (1 to 100) of the tier's allocation.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("below_percent")]
    public decimal? BelowPercentOfAllocation { get; init; }

    /// <summary>An alert below <paramref name="credits"/> credits.</summary>
    public static TokenlayCreditAlert BelowCredits(decimal credits) => new() { Below = credits };

    /// <summary>An alert below <paramref name="percent"/> percent of the allocation.</summary>
    public static TokenlayCreditAlert BelowPercent(decimal percent) => new() { BelowPercentOfAllocation = percent };

    /// <inheritdoc />
    public override string ToString() => Below is { } b ? $"below {b}" : $"below {BelowPercentOfAllocation}%";
}
