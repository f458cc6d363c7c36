namespace Tokenlay.Emulator.Pricing;

/// <summary>A model's list price in US dollars per one million input and output tokens.</summary>
public sealed record ModelPrice(decimal Input, decimal Output)
{
    /// <summary>
    /// The dearest price accepted, in USD per 1M tokens: far above any real price (the dearest are in
    /// the hundreds), and low enough that no sum of costs can leave the range of <see cref="decimal"/>
    /// (1e12 tokens at this price is 1e12 USD).
    /// </summary>
    public const decimal MaxPerMillionTokens = 1_000_000m;

    /// <summary>The cost of one call.</summary>
    public decimal CostOf(long inputTokens, long outputTokens) => ((inputTokens * Input) + (outputTokens * Output)) / 1_000_000m;
}
