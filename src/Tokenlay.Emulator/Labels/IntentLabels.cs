using System;
using System.Collections.Generic;
using System.Linq;

namespace Tokenlay.Emulator.Labels;

/// <summary>
/// The closed set of intent labels: <c>jailbreak</c>, <c>tos_breach</c>, <c>frustration</c>,
/// <c>win</c> and <c>safe</c>, which a text gets when it has none of the others. Label lists are
/// always in this order, without repeats, so the header, the log and tests agree on one spelling.
/// </summary>
internal static class IntentLabels
{
    public const string Jailbreak = "jailbreak";
    public const string TosBreach = "tos_breach";
    public const string Frustration = "frustration";
    public const string Win = "win";
    public const string Safe = "safe";

    /// <summary>Every label, in the order lists use.</summary>
    public static readonly IReadOnlyList<string> All = [Jailbreak, TosBreach, Frustration, Win, Safe];

    public static bool IsKnown(string? label) => label is not null && All.Contains(label, StringComparer.Ordinal);

    /// <summary>Whether a label is worth a <c>label.detected</c> webhook: every label but <c>safe</c> and <c>win</c>.</summary>
    public static bool IsAlert(string label) => label is not (Safe or Win);

    /// <summary>The labels in canonical order without repeats; <c>safe</c> only when nothing else is there.</summary>
    public static string[] Normalize(IEnumerable<string> labels)
    {
        var set = new HashSet<string>(labels, StringComparer.Ordinal);
        string[] found = All.Where(l => l != Safe && set.Contains(l)).ToArray();
        return found.Length == 0 ? [Safe] : found;
    }

    /// <summary>Two label lists as one (a prompt's and its reply's).</summary>
    public static string[] Union(IEnumerable<string>? first, IEnumerable<string>? second) =>
        Normalize((first ?? []).Concat(second ?? []));
}
