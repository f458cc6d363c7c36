using System;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Budget;

/// <summary>The first limit a call ran into; <see cref="Current"/> counts what is used and held.</summary>
internal sealed record ExceededLimit(RuleLimit Limit, string PerValue, decimal Current, DateTimeOffset? ResetsAt);

/// <summary>Where one limit stands for one call's key (<see cref="Key"/> is its counter): what <c>POST /v1/check</c> reports.</summary>
internal sealed record LimitView(RuleLimit Limit, string PerValue, CounterKey Key, decimal Current, decimal Remaining, DateTimeOffset? ResetsAt, bool Fits);

/// <summary>A limit's use that reached one of its <c>alerts</c>: sent as a signed <c>limit.threshold</c> webhook.</summary>
internal sealed record LimitThreshold(Rule Rule, RuleLimit Limit, string PerValue, decimal Current, LimitAlert Alert, DateTimeOffset? WindowResetsAt);
