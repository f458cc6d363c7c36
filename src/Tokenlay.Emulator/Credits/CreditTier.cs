using System.Collections.Generic;

namespace Tokenlay.Emulator.Credits;

/// <summary>
/// A plan that refills: <see cref="Allocation"/> credits each <see cref="Period"/> (<c>day</c>,
/// <c>week</c>, <c>month</c>, <c>year</c>), with at most <see cref="RolloverMax"/> unused credits
/// carried into the next period (none by default), and low-balance alerts.
/// </summary>
internal sealed record CreditTier(string Id, decimal Allocation, string Period, decimal? RolloverMax, IReadOnlyList<CreditAlert> Alerts);

/// <summary>A low-balance threshold: <c>{"below": 100}</c> or <c>{"below_percent": 20}</c>.</summary>
internal sealed record CreditAlert(decimal? Below, decimal? BelowPercent);
