using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Rules;

/// <summary>Reads and validates rules in Tokenlay's rules format (a JSON array of rules).</summary>
public static class RuleSet
{
    internal static readonly string[] LimitTypes = ["requests", "tokens", "cost", "concurrent"];
    internal static readonly string[] Windows = ["minute", "hour", "day", "month", "year", "total"];
    internal static readonly string[] Actions = ["allow", "block", "warn", "queue"];
    internal static readonly string[] ExceededActions = ["block", "downgrade", "warn", "queue"];
    internal static readonly string[] Operators = ["eq", "neq", "gt", "gte", "lt", "lte", "in", "nin", "contains", "startsWith", "endsWith"];

    /// <summary>Reads a rules file.</summary>
    /// <exception cref="RulesFileException">The file is missing or a rule is invalid; the message names it.</exception>
    public static IReadOnlyList<Rule> Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RulesFileException($"{path}: cannot read the rules file ({e.Message}).", e);
        }
        return Parse(json, path);
    }

    /// <summary>Parses rules from JSON; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="RulesFileException">A rule is invalid; the message names the rule and field.</exception>
    public static IReadOnlyList<Rule> Parse(string json, string source = "rules")
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new RulesFileException($"{source}: not valid JSON at line {e.LineNumber + 1}: {e.Message}", e);
        }
        if (root is not JsonArray array)
        {
            throw new RulesFileException($"{source}: the rules must be a JSON array of rule objects.");
        }
        var rules = new List<Rule>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < array.Count; i++)
        {
            Rule rule = ParseRule(array[i], i, source);
            if (!ids.Add(rule.Id))
            {
                throw new RulesFileException($"{source}: rule #{i + 1}: the id '{rule.Id}' is used twice; ids must be unique.");
            }
            rules.Add(rule);
        }
        // Higher priority first; OrderBy is stable, so ties keep file order.
        return rules.Select((r, index) => (r, index)).OrderByDescending(x => x.r.Priority).ThenBy(x => x.index).Select(x => x.r).ToArray();
    }

    private static Rule ParseRule(JsonNode? node, int index, string source)
    {
        string where = $"{source}: rule #{index + 1}";
        if (node is not JsonObject obj)
        {
            throw new RulesFileException($"{where}: must be an object with 'if' and 'then'.");
        }
        string id = obj["id"] is JsonValue idValue && idValue.TryGetValue(out string? s) && !string.IsNullOrWhiteSpace(s) ? s : $"rule-{index + 1}";
        if (id.Any(char.IsControl) || id.Length > 128)
        {
            throw new RulesFileException($"{where}: the id must be at most 128 characters, without control characters (line breaks, tabs); it is sent in the x-tokenlay-rule-id header.");
        }
        where = $"{source}: rule '{id}' (#{index + 1})";
        int priority = 0;
        if (obj["priority"] is { } p && !(p is JsonValue pv && pv.TryGetValue(out priority)))
        {
            throw new RulesFileException($"{where}: 'priority' must be an integer.");
        }
        if (obj["if"] is not JsonObject condition)
        {
            throw new RulesFileException($"{where}: 'if' is missing or not an object (use {{}} to match every call).");
        }
        ValidateCondition(condition, $"{where}: if");
        if (obj["then"] is not JsonObject then)
        {
            throw new RulesFileException($"{where}: 'then' is missing or not an object.");
        }
        return new Rule { Id = id, Priority = priority, If = (JsonObject)condition.DeepClone(), Then = ParseThen(then, $"{where}: then") };
    }

    private static void ValidateCondition(JsonObject condition, string where)
    {
        foreach ((string key, JsonNode? value) in condition)
        {
            switch (key)
            {
                case "and" or "or":
                    if (value is not JsonArray list || list.Count == 0 || list.Any(c => c is not JsonObject))
                    {
                        throw new RulesFileException($"{where}.{key} must be a non-empty array of conditions.");
                    }
                    for (int i = 0; i < list.Count; i++)
                    {
                        ValidateCondition((JsonObject)list[i]!, $"{where}.{key}[{i}]");
                    }
                    break;
                case "not":
                    if (value is not JsonObject inner)
                    {
                        throw new RulesFileException($"{where}.not must be a condition object.");
                    }
                    ValidateCondition(inner, $"{where}.not");
                    break;
                default:
                    if (value is JsonObject ops)
                    {
                        foreach ((string op, JsonNode? operand) in ops)
                        {
                            if (!Operators.Contains(op))
                            {
                                throw new RulesFileException($"{where}.{key}: unknown operator '{op}'; use one of {string.Join(", ", Operators)}.");
                            }
                            if (op is "in" or "nin" && operand is not JsonArray)
                            {
                                throw new RulesFileException($"{where}.{key}.{op} must be an array.");
                            }
                            if (op is "gt" or "gte" or "lt" or "lte" && !ConditionEvaluator.TryNumber(operand, out _))
                            {
                                throw new RulesFileException($"{where}.{key}.{op} must be a number.");
                            }
                        }
                    }
                    break;
            }
        }
    }

    private static RuleAction ParseThen(JsonObject then, string where)
    {
        string action = Choice(then, "action", "allow", Actions, where);
        var limits = new List<RuleLimit>();
        if (then["limits"] is { } limitsNode)
        {
            if (limitsNode is not JsonArray limitArray)
            {
                throw new RulesFileException($"{where}.limits must be an array.");
            }
            for (int i = 0; i < limitArray.Count; i++)
            {
                limits.Add(ParseLimit(limitArray[i], $"{where}.limits[{i}]"));
            }
        }
        var exceeded = new LimitExceededAction();
        if (then["on_limit_exceeded"] is { } exceededNode)
        {
            if (exceededNode is not JsonObject e)
            {
                throw new RulesFileException($"{where}.on_limit_exceeded must be an object.");
            }
            string w = where + ".on_limit_exceeded";
            string exceededAction = Choice(e, "action", "block", ExceededActions, w);
            string? downgradeTo = Text(e, "downgrade_to", w);
            if (exceededAction == "downgrade" && string.IsNullOrWhiteSpace(downgradeTo))
            {
                throw new RulesFileException($"{w}.downgrade_to is required when action is 'downgrade'.");
            }
            int status = (int)(Number(e, "http_status", w) ?? 429);
            if (status is < 400 or > 599)
            {
                throw new RulesFileException($"{w}.http_status must be an HTTP error status (400-599).");
            }
            decimal? retryAfter = Number(e, "retry_after_seconds", w);
            if (retryAfter is < 0)
            {
                throw new RulesFileException($"{w}.retry_after_seconds must not be negative.");
            }
            exceeded = new LimitExceededAction
            {
                Action = exceededAction,
                DowngradeTo = downgradeTo,
                RetryAfterSeconds = retryAfter is null ? null : (int)retryAfter,
                ErrorCode = Text(e, "error_code", w),
                ErrorMessage = Text(e, "error_message", w),
                HttpStatus = status,
            };
        }
        var notify = new List<RuleNotification>();
        if (then["notify"] is { } notifyNode)
        {
            IEnumerable<JsonNode?> targets = notifyNode is JsonArray many ? many : [notifyNode];
            foreach (JsonNode? target in targets)
            {
                if (target is not JsonObject t || Text(t, "url", where + ".notify") is not { } url || !Uri.TryCreate(url, UriKind.Absolute, out _))
                {
                    throw new RulesFileException($"{where}.notify needs objects with an absolute 'url'.");
                }
                string type = Text(t, "type", where + ".notify") ?? "webhook";
                if (type != "webhook")
                {
                    throw new RulesFileException($"{where}.notify.type '{type}' is not supported; use 'webhook'.");
                }
                notify.Add(new RuleNotification { Type = type, Url = url });
            }
        }
        return new RuleAction { Model = Text(then, "model", where), Action = action, Limits = limits, OnLimitExceeded = exceeded, Notify = notify };
    }

    private static RuleLimit ParseLimit(JsonNode? node, string where)
    {
        if (node is not JsonObject limit)
        {
            throw new RulesFileException($"{where} must be an object with type, max and window.");
        }
        string type = Choice(limit, "type", null, LimitTypes, where);
        decimal max = Number(limit, "max", where) ?? throw new RulesFileException($"{where}.max is required.");
        if (max <= 0)
        {
            throw new RulesFileException($"{where}.max must be greater than 0.");
        }
        return new RuleLimit
        {
            Type = type,
            Max = max,
            Window = Choice(limit, "window", "total", Windows, where),
            Per = Text(limit, "per", where) ?? "user",
            TrackingKey = Text(limit, "tracking_key", where),
        };
    }

    private static string Choice(JsonObject obj, string name, string? fallback, string[] allowed, string where)
    {
        string? value = Text(obj, name, where);
        if (value is null)
        {
            return fallback ?? throw new RulesFileException($"{where}.{name} is required; use one of {string.Join(", ", allowed)}.");
        }
        if (!allowed.Contains(value))
        {
            throw new RulesFileException($"{where}.{name} must be one of {string.Join(", ", allowed)} (got '{value}').");
        }
        return value;
    }

    private static string? Text(JsonObject obj, string name, string where) => obj[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        _ => throw new RulesFileException($"{where}.{name} must be a string."),
    };

    private static decimal? Number(JsonObject obj, string name, string where)
    {
        JsonNode? node = obj[name];
        if (node is null)
        {
            return null;
        }
        return ConditionEvaluator.TryNumber(node, out decimal value) && node.GetValueKind() == JsonValueKind.Number
            ? value
            : throw new RulesFileException($"{where}.{name} must be a number.");
    }

    internal static string Format(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
