namespace Tokenlay.Emulator.Metering;

/// <summary>
/// Usage of one intent label: <see cref="Calls"/> had it (blocked and failed calls too);
/// <see cref="Requests"/> of them count in usage, with their tokens and cost.
/// </summary>
public sealed record LabelUsage(string Label, long Calls, long Requests, long InputTokens, long OutputTokens, decimal CostUsd);
