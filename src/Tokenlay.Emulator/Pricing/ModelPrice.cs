namespace Tokenlay.Emulator.Pricing;

/// <summary>A model's list price in US dollars per one million input and output tokens.</summary>
public sealed record ModelPrice(decimal Input, decimal Output)
{
    /// <summary>The cost of one call.</summary>
    public decimal CostOf(long inputTokens, long outputTokens) => ((inputTokens * Input) + (outputTokens * Output)) / 1_000_000m;
}
