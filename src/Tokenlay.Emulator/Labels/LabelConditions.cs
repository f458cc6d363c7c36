using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Labels;

/// <summary>
/// The rules-file extension for intent labels (beyond the public tokenlay-rules schema):
/// <c>"prompt_labels": {"contains": "jailbreak"}</c> matches a call whose prompt has the label, and
/// <c>"recent_labels": {"contains": "tos_breach", "within": "24h", "per": "user"}</c> a call whose
/// subject had the label on an earlier call within <c>within</c> (<c>per</c> defaults to <c>user</c>,
/// <c>within</c> to 24h). A prompt that could not be labeled (labeler off or failed) has no labels:
/// <c>prompt_labels</c> conditions do not match it (a labeler failure never refuses a call).
/// </summary>
internal static class LabelConditions
{
    public const string PromptLabels = "prompt_labels";
    public const string RecentLabels = "recent_labels";

    /// <summary>The context entry holding the <see cref="LabelHistory"/>; no metadata name can collide with it.</summary>
    public const string HistoryKey = "@label_history";

    public static readonly TimeSpan DefaultWithin = TimeSpan.FromHours(24);
    private static readonly TimeSpan s_maxWithin = TimeSpan.FromDays(365);

    public static bool IsLabelField(string key) => key is PromptLabels or RecentLabels;

    /// <summary>Checks a label condition when the rules are read; the message names the rule and field.</summary>
    /// <exception cref="RulesFileException">The condition is not one of the two forms.</exception>
    public static void Validate(string key, JsonNode? value, string where)
    {
        string example = key == PromptLabels
            ? "{\"contains\": \"jailbreak\"}"
            : "{\"contains\": \"tos_breach\", \"within\": \"24h\", \"per\": \"user\"}";
        if (value is not JsonObject condition || condition["contains"] is not JsonValue contains || !contains.TryGetValue(out string? label))
        {
            throw new RulesFileException($"{where}.{key} must be an object such as {example} (a label extension of the rules format).");
        }
        if (!IntentLabels.IsKnown(label))
        {
            throw new RulesFileException($"{where}.{key}.contains must be one of {string.Join(", ", IntentLabels.All)} (got '{label}').");
        }
        if (key == RecentLabels && label == IntentLabels.Safe)
        {
            throw new RulesFileException($"{where}.{key}.contains cannot be 'safe': safe is the absence of the other labels and is not kept; use not with the labels you mean.");
        }
        foreach ((string name, JsonNode? operand) in condition)
        {
            bool known = name == "contains" || (key == RecentLabels && name is "within" or "per");
            if (!known)
            {
                throw new RulesFileException($"{where}.{key}: unknown field '{name}'; use {example}.");
            }
            if (name == "within" && !TryWithin(operand, out _))
            {
                throw new RulesFileException($"{where}.{key}.within must be a duration such as \"90s\", \"30m\", \"24h\" or \"7d\", at most 365d.");
            }
            if (name == "per" && !(operand is JsonValue pv && pv.TryGetValue(out string? per) && per.Length > 0))
            {
                throw new RulesFileException($"{where}.{key}.per must be a metadata field such as \"user\" or \"org\".");
            }
        }
    }

    public static bool Matches(string key, JsonNode? expected, IReadOnlyDictionary<string, object?> context)
    {
        if (expected is not JsonObject condition || condition["contains"]?.GetValue<string>() is not { } label)
        {
            return false;
        }
        if (key == PromptLabels)
        {
            return context.TryGetValue(PromptLabels, out object? labels) && labels is IReadOnlyList<string> list && list.Contains(label, StringComparer.Ordinal);
        }
        if (!context.TryGetValue(HistoryKey, out object? history) || history is not LabelHistory recent)
        {
            return false;
        }
        string per = (condition["per"] as JsonValue)?.GetValue<string>() ?? "user";
        TryWithin(condition["within"], out TimeSpan within);
        return Subject(per, context) is { } subject && recent.Had(subject, label, within);
    }

    /// <summary>The subject <c>per:key</c> of the call for <paramref name="per"/>; null when the call has no such field.</summary>
    public static string? Subject(string per, IReadOnlyDictionary<string, object?> context) =>
        context.TryGetValue(per, out object? value) && value is string text && text.Length > 0 ? per + ":" + text : null;

    /// <summary>The <c>per</c> fields of every <c>recent_labels</c> condition of the rules, and <c>user</c> (which checks report).</summary>
    public static IReadOnlyList<string> PerFields(IEnumerable<Rule> rules)
    {
        var fields = new SortedSet<string>(StringComparer.Ordinal) { "user" };
        foreach (JsonObject condition in rules.SelectMany(r => RecentConditions(r.If)))
        {
            fields.Add((condition["per"] as JsonValue)?.GetValue<string>() ?? "user");
        }
        return fields.ToArray();
    }

    /// <summary>How long sightings must be kept for the rules: their longest <c>within</c>, and at least a day.</summary>
    public static TimeSpan Retention(IEnumerable<Rule> rules)
    {
        TimeSpan longest = DefaultWithin;
        foreach (JsonObject condition in rules.SelectMany(r => RecentConditions(r.If)))
        {
            if (TryWithin(condition["within"], out TimeSpan within) && within > longest)
            {
                longest = within;
            }
        }
        return longest;
    }

    private static IEnumerable<JsonObject> RecentConditions(JsonObject condition)
    {
        foreach ((string key, JsonNode? value) in condition)
        {
            if (key == RecentLabels && value is JsonObject recent)
            {
                yield return recent;
            }
            else if (key is "and" or "or" && value is JsonArray list)
            {
                foreach (JsonObject inner in list.OfType<JsonObject>().SelectMany(RecentConditions))
                {
                    yield return inner;
                }
            }
            else if (key == "not" && value is JsonObject negated)
            {
                foreach (JsonObject inner in RecentConditions(negated))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Reads <c>"90s"</c>, <c>"30m"</c>, <c>"24h"</c>, <c>"7d"</c>; absent means <see cref="DefaultWithin"/>.</summary>
    internal static bool TryWithin(JsonNode? node, out TimeSpan within)
    {
        within = DefaultWithin;
        if (node is null)
        {
            return true;
        }
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
        {
            return false;
        }
        string text = v.GetValue<string>().Trim();
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n <= 0)
        {
            return false;
        }
        TimeSpan? parsed = text[^1] switch
        {
            's' when n <= s_maxWithin.TotalSeconds => TimeSpan.FromSeconds(n),
            'm' when n <= s_maxWithin.TotalMinutes => TimeSpan.FromMinutes(n),
            'h' when n <= s_maxWithin.TotalHours => TimeSpan.FromHours(n),
            'd' when n <= s_maxWithin.TotalDays => TimeSpan.FromDays(n),
            _ => null,
        };
        within = parsed ?? DefaultWithin;
        return parsed is not null;
    }
}
