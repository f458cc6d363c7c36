using System.Collections.Generic;

namespace Tokenlay.Emulator.Labels;

/// <summary>
/// What a labeler found in one text: its <see cref="Labels"/> (normalized, see
/// <see cref="IntentLabels.Normalize"/>), or why it could not tell (<see cref="Error"/>); never both.
/// </summary>
internal sealed record LabelResult(IReadOnlyList<string>? Labels, string? Error)
{
    public static LabelResult Of(IEnumerable<string> labels) => new(IntentLabels.Normalize(labels), null);

    public static LabelResult Failed(string error) => new(null, error);
}
