using System;

namespace Tokenlay.Emulator.Metering;

/// <summary>
/// Sums over some calls: the counted ones (requests, tokens, cost) and every call by outcome.
/// One call is a row of ones; calls evicted from the in-memory log are folded into rows per minute,
/// so usage totals stay exact however many log entries are dropped.
/// </summary>
internal sealed class UsageSums
{
    public long Requests, InputTokens, OutputTokens, Unpriced, Calls, Blocked, Downgraded, Warned, Failed;
    public decimal CostUsd;
    public bool AnyPriced;
    public Labels.LabelTally? Labels; // null until a call with labels is added: most sums never see one

    public static UsageSums Of(CallLogEntry entry)
    {
        var sums = new UsageSums();
        sums.Add(entry);
        return sums;
    }

    public void Add(CallLogEntry e)
    {
        if (e.Counted)
        {
            Requests++;
            InputTokens += e.InputTokens;
            OutputTokens += e.OutputTokens;
            CostUsd += e.CostUsd ?? 0;
            AnyPriced |= e.CostUsd is not null;
            Unpriced += e.CostUsd is null ? 1 : 0;
        }
        Calls++;
        Blocked += e.RuleAction == "block" ? 1 : 0;
        Downgraded += e.RuleAction == "downgrade" ? 1 : 0;
        Warned += e.RuleAction == "warn" ? 1 : 0;
        Failed += !e.Success && e.RuleAction != "block" ? 1 : 0;
        if (e.Labels is { Count: > 0 })
        {
            (Labels ??= new()).Add(e);
        }
    }

    public void Add(UsageSums s)
    {
        Requests += s.Requests; InputTokens += s.InputTokens; OutputTokens += s.OutputTokens; Unpriced += s.Unpriced;
        Calls += s.Calls; Blocked += s.Blocked; Downgraded += s.Downgraded; Warned += s.Warned; Failed += s.Failed;
        CostUsd += s.CostUsd;
        AnyPriced |= s.AnyPriced;
        if (s.Labels is not null)
        {
            (Labels ??= new()).Add(s.Labels);
        }
    }
}

/// <summary>The attribution a usage row is grouped and filtered by; <see cref="At"/> is the call's time, or its minute for folded rows.</summary>
internal readonly record struct UsageKey(DateTimeOffset At, string? User, string? Org, string? Project, string? Feature, string? Model, string? KeyRef = null)
{
    public static UsageKey Of(CallLogEntry e) => new(e.Timestamp, e.User, e.Org, e.Project, e.Feature, e.ModelUsed, e.KeyRef);

    /// <summary>The same attribution at the start of its minute: the grain evicted calls are folded at.</summary>
    public UsageKey ToMinute() => this with { At = new DateTimeOffset(At.UtcTicks - At.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero) };
}
