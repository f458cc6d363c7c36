using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Rules;

/// <summary>
/// Reads and validates rules in Tokenlay's public rules format (the <c>tokenlay-rules</c> schema): a
/// config object <c>{"version", "rules", "metadata"}</c> or a bare array of rules.
/// </summary>
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
    public static IReadOnlyList<Rule> Parse(string json, string source = "rules") => Parse(json, source, out _);

    /// <summary>
    /// Parses rules from JSON, with the warnings worth showing at start: parts of the format the
    /// emulator accepts but does not act on (email and Slack notifications), and deprecated placements.
    /// </summary>
    /// <exception cref="RulesFileException">A rule is invalid; the message names the rule and field.</exception>
    public static IReadOnlyList<Rule> Parse(string json, string source, out IReadOnlyList<string> warnings)
    {
        var found = new List<string>();
        warnings = found;
        IReadOnlyList<Rule> rules = ParseCore(json, source, found);
        return rules;
    }

    /// <summary>Reads a rules file, with the warnings worth showing at start.</summary>
    /// <exception cref="RulesFileException">The file is missing or a rule is invalid; the message names it.</exception>
    public static IReadOnlyList<Rule> Load(string path, out IReadOnlyList<string> warnings)
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
        return Parse(json, path, out warnings);
    }

    private static IReadOnlyList<Rule> ParseCore(string json, string source, List<string> warnings)
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
        if (root is JsonObject config)
        {
            if (config["rules"] is not JsonArray wrapped)
            {
                throw new RulesFileException($"{source}: a rules config object needs 'rules', an array of rule objects: {{\"version\": \"1.0\", \"rules\": [...]}}.");
            }
            if (config["version"] is { } version && !(version is JsonValue v && v.TryGetValue(out string? _)))
            {
                throw new RulesFileException($"{source}: 'version' must be a string, such as \"1.0\".");
            }
            root = wrapped;
        }
        if (root is not JsonArray array)
        {
            throw new RulesFileException($"{source}: the rules must be a config object {{\"version\", \"rules\": [...]}} or a JSON array of rule objects.");
        }
        var rules = new List<Rule>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < array.Count; i++)
        {
            Rule rule = ParseRule(array[i], i, source, warnings);
            if (!ids.Add(rule.Id))
            {
                throw new RulesFileException($"{source}: rule #{i + 1}: the id '{rule.Id}' is used twice; ids must be unique.");
            }
            rules.Add(rule);
        }
        // Higher priority first; OrderBy is stable, so ties keep file order.
        return rules.Select((r, index) => (r, index)).OrderByDescending(x => x.r.Priority).ThenBy(x => x.index).Select(x => x.r).ToArray();
    }

    private static Rule ParseRule(JsonNode? node, int index, string source, List<string> warnings)
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
        decimal priority = 0;
        if (obj["priority"] is { } p && !(p is JsonValue pv && pv.GetValueKind() == JsonValueKind.Number && pv.TryGetValue(out priority)))
        {
            throw new RulesFileException($"{where}: 'priority' must be a number.");
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
        return new Rule { Id = id, Priority = priority, If = (JsonObject)condition.DeepClone(), Then = ParseThen(then, $"{where}: then", warnings) };
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
                case Labels.LabelConditions.PromptLabels or Labels.LabelConditions.RecentLabels:
                    Labels.LabelConditions.Validate(key, value, where); // an extension of the rules format: intent labels
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
                            if (op is "gt" or "gte" or "lt" or "lte" && !(operand is JsonValue ov && ov.GetValueKind() is JsonValueKind.Number or JsonValueKind.String))
                            {
                                throw new RulesFileException($"{where}.{key}.{op} must be a number or a string.");
                            }
                        }
                    }
                    break;
            }
        }
    }

    private static RuleAction ParseThen(JsonObject then, string where, List<string> warnings)
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
            if (e["notify"] is { } n && n is not JsonArray)
            {
                throw new RulesFileException($"{w}.notify must be an array of notification objects.");
            }
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
                BlockFor = Text(e, "block_for", w) is { } blockFor ? Duration(blockFor, w + ".block_for") : null,
            };
        }
        var notify = new List<RuleNotification>();
        if (then["on_limit_exceeded"] is JsonObject onExceeded && onExceeded["notify"] is { } schemaNotify)
        {
            notify.AddRange(ParseNotify(schemaNotify, where + ".on_limit_exceeded.notify", warnings));
        }
        if (then["notify"] is { } notifyNode)
        {
            warnings.Add($"{where}.notify: notifications belong in then.on_limit_exceeded.notify in Tokenlay's rules format; this placement still works but is deprecated.");
            notify.AddRange(ParseNotify(notifyNode, where + ".notify", warnings));
        }
        JsonObject? modelParams = null;
        if (then["model_params"] is { } paramsNode)
        {
            modelParams = paramsNode as JsonObject ?? throw new RulesFileException($"{where}.model_params must be an object of request parameters, such as {{\"temperature\": 0.2}}.");
            if (modelParams.ContainsKey("model") || modelParams.ContainsKey("messages") || modelParams.ContainsKey("input") || modelParams.ContainsKey("stream"))
            {
                throw new RulesFileException($"{where}.model_params must not set model, messages, input or stream; use 'model' for the model.");
            }
            modelParams = (JsonObject)modelParams.DeepClone();
        }
        return new RuleAction
        {
            Model = Text(then, "model", where), ModelParams = modelParams, Action = action, Limits = limits, OnLimitExceeded = exceeded, Notify = notify,
            Credits = then["credits"] is { } creditsNode ? ParseCredits(creditsNode, where + ".credits") : null,
        };
    }

    private static RuleCredits ParseCredits(JsonNode node, string where)
    {
        if (node is not JsonObject credits)
        {
            throw new RulesFileException($"{where} must be an object such as {{\"per\": \"user\"}}.");
        }
        string per = Text(credits, "per", where) ?? "user";
        if (per.Length == 0 || per.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
        {
            throw new RulesFileException($"{where}.per must name a metadata field, such as \"user\" or \"org\".");
        }
        string overage = Choice(credits, "overage", "deny", ["deny", "allow"], where);
        return new RuleCredits { Per = per, AllowOverage = overage == "allow" };
    }

    private static IEnumerable<RuleNotification> ParseNotify(JsonNode node, string where, List<string> warnings)
    {
        IEnumerable<JsonNode?> targets = node is JsonArray many ? many : [node];
        var result = new List<RuleNotification>();
        foreach (JsonNode? target in targets)
        {
            if (target is not JsonObject t)
            {
                throw new RulesFileException($"{where} must be an array of notification objects, such as {{\"type\": \"webhook\", \"url\": \"https://...\"}}.");
            }
            string type = Text(t, "type", where) ?? "webhook";
            if (type is "email" or "slack")
            {
                warnings.Add($"{where}: '{type}' notifications are part of Tokenlay's rules format but the emulator does not send them; only 'webhook' is delivered.");
                continue;
            }
            if (type != "webhook")
            {
                throw new RulesFileException($"{where}.type '{type}' is not a notification type; use webhook, email or slack.");
            }
            if (Text(t, "url", where) is not { } url || !Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new RulesFileException($"{where}: a webhook needs an absolute http or https 'url'.");
            }
            result.Add(new RuleNotification { Type = type, Url = url });
        }
        return result;
    }

    /// <summary>A duration written <c>30s</c>, <c>15m</c>, <c>24h</c> or <c>7d</c>.</summary>
    internal static TimeSpan Duration(string text, string where)
    {
        if (text.Length >= 2 && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n is > 0 and <= 3650 * 24 * 3600)
        {
            TimeSpan? span = text[^1] switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => null,
            };
            if (span is { } value && value <= TimeSpan.FromDays(3650))
            {
                return value;
            }
        }
        throw new RulesFileException($"{where} must be a duration such as \"30s\", \"15m\", \"24h\" or \"7d\" (at most 10 years).");
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
        string window = Choice(limit, "window", "total", Windows, where);
        bool rolling = limit["rolling"] switch
        {
            null => false,
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
            _ => throw new RulesFileException($"{where}.rolling must be true or false."),
        };
        if (rolling && (window == "total" || type == "concurrent"))
        {
            throw new RulesFileException($"{where}.rolling needs a window (minute, hour, day, month or year) and a type other than concurrent.");
        }
        return new RuleLimit
        {
            Type = type,
            Max = max,
            Window = window,
            Per = Text(limit, "per", where) ?? "user",
            TrackingKey = Text(limit, "tracking_key", where),
            Rolling = rolling,
            Alerts = ParseAlerts(limit["alerts"], max, where + ".alerts"),
        };
    }

    private static IReadOnlyList<LimitAlert> ParseAlerts(JsonNode? node, decimal max, string where)
    {
        if (node is null)
        {
            return [];
        }
        if (node is not JsonArray list)
        {
            throw new RulesFileException($"{where} must be an array such as [{{\"at_percent\": 80}}, {{\"at\": 45}}].");
        }
        var alerts = new List<LimitAlert>();
        for (int i = 0; i < list.Count; i++)
        {
            string w = $"{where}[{i}]";
            if (list[i] is not JsonObject alert)
            {
                throw new RulesFileException($"{w} must be {{\"at_percent\": 1 to 100}} or {{\"at\": an amount below max}}.");
            }
            decimal? percent = Number(alert, "at_percent", w);
            decimal? at = Number(alert, "at", w);
            if ((percent is null) == (at is null) || percent is <= 0 or > 100 || at is not null && (at <= 0 || at > max))
            {
                throw new RulesFileException($"{w} must be {{\"at_percent\": 1 to 100}} or {{\"at\": an amount from 0 to the limit's max}}.");
            }
            alerts.Add(new LimitAlert { AtPercent = percent, At = at });
        }
        return alerts;
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
