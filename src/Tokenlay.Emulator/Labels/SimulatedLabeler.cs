using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay.Emulator.Labels;

/// <summary>
/// <c>--labeler simulated</c>, the default: deterministic, so tests and demos can produce each label
/// on purpose. A text gets a label when it contains one of the label's phrases, case-insensitively,
/// anywhere; a text with none of them is <c>safe</c>. The phrases are documented in the README.
/// </summary>
internal sealed class SimulatedLabeler : ILabeler
{
    /// <summary>The phrases, by label.</summary>
    public static readonly IReadOnlyList<(string Label, string[] Phrases)> Phrases =
    [
        (IntentLabels.Jailbreak, ["ignore all previous instructions", "pretend you have no rules"]),
        (IntentLabels.TosBreach, ["write malware", "steal credit card"]),
        (IntentLabels.Frustration, ["this is useless", "you are not helping"]),
        (IntentLabels.Win, ["thanks, that worked", "perfect, thank you"]),
    ];

    public Task<LabelResult> LabelAsync(LabelInput input, CancellationToken cancellationToken) => Task.FromResult(Label(input.Text));

    public static LabelResult Label(string text)
    {
        var found = new List<string>();
        foreach ((string label, string[] phrases) in Phrases)
        {
            if (Array.Exists(phrases, p => text.Contains(p, StringComparison.OrdinalIgnoreCase)))
            {
                found.Add(label);
            }
        }
        return LabelResult.Of(found);
    }
}
