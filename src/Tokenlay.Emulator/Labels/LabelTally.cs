using System;
using System.Collections.Generic;
using System.Linq;
using Tokenlay.Emulator.Metering;

namespace Tokenlay.Emulator.Labels;

/// <summary>
/// Usage by intent label (<c>/v1/usage</c>'s <c>by_label</c>): per label, every call that had it
/// (blocked ones too) and the usage of those that count. A call with two labels counts under both.
/// </summary>
internal sealed class LabelTally
{
    private readonly Dictionary<string, long[]> _byLabel = new(StringComparer.Ordinal);
    private readonly Dictionary<string, decimal> _cost = new(StringComparer.Ordinal);

    public void Add(CallLogEntry e)
    {
        foreach (string label in e.Labels ?? [])
        {
            long[] sums = Sums(label);
            sums[0]++;
            if (e.Counted)
            {
                sums[1]++;
                sums[2] += e.InputTokens;
                sums[3] += e.OutputTokens;
                _cost[label] = _cost.GetValueOrDefault(label) + (e.CostUsd ?? 0);
            }
        }
    }

    public void Add(LabelTally other)
    {
        foreach ((string label, long[] theirs) in other._byLabel)
        {
            long[] sums = Sums(label);
            for (int i = 0; i < sums.Length; i++)
            {
                sums[i] += theirs[i];
            }
            _cost[label] = _cost.GetValueOrDefault(label) + other._cost.GetValueOrDefault(label);
        }
    }

    /// <summary>One row per label seen, in the label set's order.</summary>
    public IReadOnlyList<LabelUsage> Rows() => IntentLabels.All
        .Where(_byLabel.ContainsKey)
        .Select(l => new LabelUsage(l, _byLabel[l][0], _byLabel[l][1], _byLabel[l][2], _byLabel[l][3], _cost.GetValueOrDefault(l)))
        .ToList();

    private long[] Sums(string label) => _byLabel.TryGetValue(label, out long[]? sums) ? sums : _byLabel[label] = new long[4];
}
