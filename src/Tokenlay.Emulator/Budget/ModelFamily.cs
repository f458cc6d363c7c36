using System;
using System.Text.RegularExpressions;

namespace Tokenlay.Emulator.Budget;

/// <summary>
/// A model and its dated snapshots are one family (<c>gpt-4o-mini</c>, <c>gpt-4o-mini-2024-07-18</c>):
/// a reservation made for one may be drawn on by calls to the other, and by no other model.
/// </summary>
internal static partial class ModelFamily
{
    public static bool Same(string a, string b) => string.Equals(Of(a), Of(b), StringComparison.OrdinalIgnoreCase);

    public static string Of(string model) => Snapshot().Replace(model, "");

    [GeneratedRegex(@"-\d{4}-\d{2}-\d{2}$")]
    private static partial Regex Snapshot();
}
