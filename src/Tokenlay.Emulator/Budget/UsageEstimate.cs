using Tokenlay.Emulator.Pricing;

namespace Tokenlay.Emulator.Budget;

/// <summary>
/// What a call or a reservation expects to use, held against token and cost limits until it settles.
/// A null part holds nothing against limits of that type (a reservation given only in USD holds no tokens).
/// </summary>
internal readonly record struct UsageEstimate(long? Tokens, decimal? CostUsd)
{
    /// <summary>The amount this estimate holds against a limit of <paramref name="kind"/>.</summary>
    public decimal For(LimitKind kind) => kind switch
    {
        LimitKind.Tokens => Tokens ?? 0,
        LimitKind.Cost => CostUsd ?? 0,
        _ => 0,
    };
}

/// <summary>
/// What a proxied call may use: its exact prompt and its output cap over all choices. A call that
/// set no cap is <see cref="Flexible"/>: under a token or cost limit the ledger gives it the most
/// output that fits (at most <see cref="OutputTokens"/>, at least <see cref="MinimumOutput"/>), and
/// that becomes the cap the provider is sent, so no hard limit can be passed.
/// </summary>
internal sealed record CallEstimate(long InputTokens, long OutputTokens, bool Flexible, long MinimumOutput, int Choices, ModelPrice? Price)
{
    /// <summary>The estimate with <paramref name="output"/> output tokens held.</summary>
    public UsageEstimate With(long output) => new(InputTokens + output, Price?.CostOf(InputTokens, output));

    public UsageEstimate Usage => With(OutputTokens);

    /// <summary>An estimate given as is (a check's): held exactly, whatever the parts.</summary>
    public UsageEstimate? Known { get; init; }
}
