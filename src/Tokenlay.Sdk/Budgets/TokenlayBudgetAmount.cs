namespace Tokenlay;

/// <summary>An amount of budget: tokens and USD.</summary>
public sealed class TokenlayBudgetAmount
{
    /// <summary>Tokens (input plus output).</summary>
    public long Tokens { get; init; }

    /// <summary>USD.</summary>
    public decimal CostUsd { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Tokens} tokens, ${CostUsd}";
}
