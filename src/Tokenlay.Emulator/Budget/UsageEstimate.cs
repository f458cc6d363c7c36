namespace Tokenlay.Emulator.Budget;

/// <summary>
/// What a call or a reservation expects to use, held against token and cost limits until it settles.
/// A null part holds nothing against limits of that type (a reservation given only in USD holds no tokens).
/// </summary>
internal readonly record struct UsageEstimate(long? Tokens, decimal? CostUsd)
{
    /// <summary>The amount this estimate holds against a limit of <paramref name="limitType"/>.</summary>
    public decimal For(string limitType) => limitType switch
    {
        "tokens" => Tokens ?? 0,
        "cost" => CostUsd ?? 0,
        _ => 0,
    };
}
