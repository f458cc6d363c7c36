using System;

namespace Tokenlay.Emulator.Metering.Persistence;

/// <summary>Calls folded into one per-minute row, as written to disk.</summary>
internal sealed record FoldedRow(
    UsageKey Key, long Requests, long InputTokens, long OutputTokens, decimal CostUsd, bool AnyPriced, long Unpriced,
    long Calls, long Blocked, long Downgraded, long Warned, long Failed)
{
    public static FoldedRow Of(UsageKey key, UsageSums s) =>
        new(key, s.Requests, s.InputTokens, s.OutputTokens, s.CostUsd, s.AnyPriced, s.Unpriced, s.Calls, s.Blocked, s.Downgraded, s.Warned, s.Failed);

    public UsageSums ToSums() => new()
    {
        Requests = Requests, InputTokens = InputTokens, OutputTokens = OutputTokens, CostUsd = CostUsd, AnyPriced = AnyPriced, Unpriced = Unpriced,
        Calls = Calls, Blocked = Blocked, Downgraded = Downgraded, Warned = Warned, Failed = Failed,
    };
}
