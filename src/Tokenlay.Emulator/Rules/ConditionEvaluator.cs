using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Rules;

/// <summary>
/// Evaluates a rule's <c>if</c> against a call's context: keys are field paths (<c>plan</c>,
/// <c>usage.cost</c>); a plain value means equality; an object holds operators; several keys all
/// have to match; <c>and</c>/<c>or</c>/<c>not</c> combine conditions.
/// </summary>
internal static class ConditionEvaluator
{
    public static bool Matches(JsonObject condition, IReadOnlyDictionary<string, object?> context)
    {
        foreach ((string key, JsonNode? expected) in condition)
        {
            bool ok = key switch
            {
                "and" => ((JsonArray)expected!).All(c => Matches((JsonObject)c!, context)),
                "or" => ((JsonArray)expected!).Any(c => Matches((JsonObject)c!, context)),
                "not" => !Matches((JsonObject)expected!, context),
                Labels.LabelConditions.PromptLabels or Labels.LabelConditions.RecentLabels => Labels.LabelConditions.Matches(key, expected, context),
                _ => FieldMatches(context.TryGetValue(key, out object? actual) ? actual : null, expected),
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    private static bool FieldMatches(object? actual, JsonNode? expected)
    {
        if (expected is not JsonObject operators)
        {
            return AreEqual(actual, expected);
        }
        foreach ((string op, JsonNode? operand) in operators)
        {
            bool ok = op switch
            {
                "eq" => AreEqual(actual, operand),
                "neq" => !AreEqual(actual, operand),
                "gt" => Compare(actual, operand) is > 0,
                "gte" => Compare(actual, operand) is >= 0,
                "lt" => Compare(actual, operand) is < 0,
                "lte" => Compare(actual, operand) is <= 0,
                "in" => ((JsonArray)operand!).Any(o => AreEqual(actual, o)),
                "nin" => !((JsonArray)operand!).Any(o => AreEqual(actual, o)),
                "contains" => AsText(actual) is { } a && AsText(operand) is { } b && a.Contains(b, StringComparison.Ordinal),
                "startsWith" => AsText(actual) is { } a2 && AsText(operand) is { } b2 && a2.StartsWith(b2, StringComparison.Ordinal),
                "endsWith" => AsText(actual) is { } a3 && AsText(operand) is { } b3 && a3.EndsWith(b3, StringComparison.Ordinal),
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    private static bool AreEqual(object? actual, JsonNode? expected)
    {
        if (expected is null)
        {
            return actual is null;
        }
        if (actual is null)
        {
            return false;
        }
        if (TryNumber(expected, out decimal e) && TryNumber(actual, out decimal a))
        {
            return a == e;
        }
        return string.Equals(AsText(actual), AsText(expected), StringComparison.Ordinal);
    }

    // As the public rules engine compares (JavaScript's < and >): numbers as numbers, text against text
    // in ordinal order (so ISO dates compare as times), and a missing value matches nothing.
    private static int? Compare(object? actual, JsonNode? operand)
    {
        if (actual is null || operand is null)
        {
            return null;
        }
        if (TryNumber(actual, out decimal a) && TryNumber(operand, out decimal b))
        {
            return a.CompareTo(b);
        }
        return AsText(actual) is { } left && AsText(operand) is { } right ? string.CompareOrdinal(left, right) : null;
    }

    private static string? AsText(object? value) => value switch
    {
        null => null,
        string s => s,
        bool b => b ? "true" : "false",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValueKind() == JsonValueKind.True ? "true" : "false",
        JsonNode n => n.ToJsonString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>Numbers in the context may arrive as text (header values), so text that parses counts.</summary>
    public static bool TryNumber(object? value, out decimal number)
    {
        switch (value)
        {
            case decimal d: number = d; return true;
            case long l: number = l; return true;
            case int i: number = i; return true;
            case double db when !double.IsNaN(db) && Math.Abs(db) < 7.9e28: number = (decimal)db; return true;
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number: return v.TryGetValue(out number) || decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number);
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return decimal.TryParse(v.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out number);
            case string s: return decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out number);
            default: number = 0; return false;
        }
    }
}
