using System;
using System.Collections.Generic;

namespace Tokenlay.Emulator.Rules;

/// <summary>One rule and where its limits stand (<c>GET /v1/rules/status</c>).</summary>
public sealed record RuleStatus(string Id, decimal Priority, System.Text.Json.Nodes.JsonObject If, string? Model, string OnLimitExceeded, IReadOnlyList<LimitStatus> Limits);

/// <summary>One limit in its current window, with the keys closest to it first.</summary>
public sealed record LimitStatus(string Type, string Window, string Per, decimal Max, DateTimeOffset? ResetsAt, IReadOnlyList<LimitUsage> Closest);

/// <summary>One key's use of a limit (used and held): <c>Key</c> is the value of the limit's <c>per</c> field (a user id, an org…).</summary>
public sealed record LimitUsage(string Key, decimal Current, decimal Remaining);
