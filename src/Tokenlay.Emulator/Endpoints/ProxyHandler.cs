using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Pricing;
using Tokenlay.Emulator.Rules;
using Tokenlay.Emulator.Upstream;
using Tokenlay.Emulator.Webhooks;

namespace Tokenlay.Emulator.Endpoints;

/// <summary>
/// Runs one proxied call: validate, attribute, apply the first matching rule and its limits,
/// call the provider, meter, and answer with the <c>x-tokenlay-*</c> headers.
/// </summary>
internal sealed class ProxyHandler
{
    private readonly TokenlayEmulatorOptions _options;
    private readonly UsageStore _store;
    private readonly LimitTracker _limits;
    private readonly IProvider _provider;
    private readonly WebhookNotifier _webhooks;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, int> _inFlightByUser = new(StringComparer.Ordinal);

    public ProxyHandler(TokenlayEmulatorOptions options, UsageStore store, LimitTracker limits, IProvider provider, WebhookNotifier webhooks, ILogger logger)
    {
        _options = options;
        _store = store;
        _limits = limits;
        _provider = provider;
        _webhooks = webhooks;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext http, string endpoint)
    {
        long started = Stopwatch.GetTimestamp();
        JsonObject? body = await ReadBodyAsync(http);
        if (body is null || !await ValidateAsync(http, endpoint, body))
        {
            return;
        }
        string modelRequested = body["model"]!.GetValue<string>();
        bool stream = body["stream"]?.GetValueKind() == JsonValueKind.True && endpoint != "embeddings";
        RequestMetadata meta = RequestMetadata.From(http.Request.Headers);
        if (_options.Forward && meta.ProviderKey is null)
        {
            await ErrorResponses.WriteAsync(http, 400, "Forward mode needs the provider key: send x-tokenlay-provider-key (TokenlayOptions.ProviderApiKey).", "invalid_request_error", "missing_provider_key");
            return;
        }

        DateTimeOffset now = _options.TimeProvider.GetUtcNow();
        (string id, long sequence) = _store.NextId();
        string user = meta["user"] ?? "";
        string? provider = PriceTable.ProviderFromBase(meta.ProviderBase) ?? (_options.Forward ? null : "openai");
        var entry = new CallLogEntry
        {
            Id = id, Sequence = sequence, Timestamp = now, Endpoint = endpoint.Replace('/', '.'),
            User = meta["user"], Org = meta["org"], Plan = meta["plan"], Project = meta["project"], Feature = meta["feature"],
            Metadata = new Dictionary<string, string>(meta.Values), ModelRequested = modelRequested, ModelUsed = modelRequested,
            Provider = provider, Stream = stream, IdempotencyKey = meta.IdempotencyKey,
            DuplicateOf = _store.SucceededWith(meta.IdempotencyKey),
        };
        http.Response.Headers["x-tokenlay-request-id"] = id;

        int inFlight = _inFlightByUser.AddOrUpdate(user, 1, (_, n) => n + 1);
        Dictionary<string, object?> context = BuildContext(meta, modelRequested, provider, user, inFlight, now);
        Admission admission = Admission.None;
        long tokens = 0;
        try
        {
            RuleOutcome outcome = await ApplyRulesAsync(http, context, entry, now);
            admission = outcome.Admission;
            if (outcome.Refused)
            {
                return;
            }
            body["model"] = entry.ModelUsed;
            SetDecisionHeaders(http.Response, entry, outcome);

            var request = new ProxyRequest(endpoint, body, entry.ModelUsed!, stream, meta.ProviderKey, meta.ProviderBase);
            UpstreamReply reply;
            try
            {
                reply = stream
                    ? await _provider.StreamAsync(request, http.Response, http.RequestAborted)
                    : await _provider.CompleteAsync(request, http.RequestAborted);
            }
            catch (HttpRequestException e)
            {
                reply = new UpstreamReply(502, null, 0, 0, "The provider could not be reached: " + e.Message);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException && http.Response.HasStarted)
            {
                // The stream broke after it began: all we can do is end the connection, so the caller sees it cut.
                entry.Error = "stream interrupted: " + e.Message;
                entry.Status = 499;
                http.Abort();
                return;
            }

            entry.Status = reply.Status;
            entry.InputTokens = reply.InputTokens;
            entry.OutputTokens = reply.OutputTokens;
            entry.Success = reply.Success;
            tokens = reply.InputTokens + reply.OutputTokens;
            if (reply.Success)
            {
                entry.CostUsd = _store.Prices.Find(provider, entry.ModelUsed!)?.CostOf(reply.InputTokens, reply.OutputTokens);
                if (!http.Response.HasStarted)
                {
                    SetUsageHeaders(http.Response, entry, started);
                    http.Response.ContentType = "application/json";
                    await http.Response.Body.WriteAsync(reply.Body ?? [], http.RequestAborted);
                }
            }
            else
            {
                entry.Error = reply.Error ?? "provider error";
                await WriteProviderErrorAsync(http, reply);
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            entry.Error = "the caller went away";
            entry.Status = 499;
        }
        finally
        {
            entry.LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            _limits.Complete(admission, context, tokens, entry.CostUsd, entry.Success);
            _inFlightByUser.AddOrUpdate(user, 0, (_, n) => Math.Max(0, n - 1));
            _store.Add(entry);
        }
    }

    private sealed record RuleOutcome(Admission Admission, bool Refused, bool LimitExceeded, IReadOnlyList<string> Warnings);

    private async Task<RuleOutcome> ApplyRulesAsync(HttpContext http, Dictionary<string, object?> context, CallLogEntry entry, DateTimeOffset now)
    {
        Rule? rule = _options.Rules.FirstOrDefault(r => ConditionEvaluator.Matches(r.If, context));
        if (rule is null)
        {
            return new RuleOutcome(Admission.None, false, false, []);
        }
        entry.RuleId = rule.Id;
        entry.ModelUsed = rule.Then.Model ?? entry.ModelUsed;
        var warnings = new List<string>();
        if (rule.Then.Action == "block")
        {
            entry.RuleAction = "block";
            entry.Status = 403;
            entry.Error = "blocked by rule";
            await WriteBlockAsync(http, rule, 403, $"This call is blocked by rule '{rule.Id}'.", "rule_blocked", null, null);
            return new RuleOutcome(Admission.None, true, false, warnings);
        }
        if (rule.Then.Action == "warn")
        {
            entry.RuleAction = "warn";
            warnings.Add($"Rule '{rule.Id}' flagged this call.");
        }
        foreach (RuleLimit limit in rule.Then.Limits)
        {
            // The rules engine reads `per` as a path into the call's metadata and does not alias
            // (userId, bare "user" headers): say so rather than count the call in one shared bucket.
            if (LimitTracker.MissingPerField(limit, context) is { } field)
            {
                warnings.Add($"Rule '{rule.Id}' limits {limit.Type} per '{field}', but this call has no '{field}' (send x-tokenlay-{field}); it is counted in one bucket shared by every call without it.");
            }
        }
        // A retry of a call that already succeeded is served, but not counted against limits again.
        if (entry.DuplicateOf is not null || rule.Then.Limits.Count == 0)
        {
            return new RuleOutcome(Admission.None, false, false, warnings);
        }

        Admission admission = _limits.Admit(rule, context, now, force: false);
        if (admission.Exceeded is not { } exceeded)
        {
            return new RuleOutcome(admission, false, false, warnings);
        }

        LimitExceededAction onExceeded = rule.Then.OnLimitExceeded;
        JsonObject eventData = EventData(rule, onExceeded.Action, entry, exceeded);
        switch (onExceeded.Action)
        {
            case "downgrade":
                entry.RuleAction = "downgrade";
                entry.ModelUsed = onExceeded.DowngradeTo;
                _webhooks.Notify(rule, "limit.exceeded", eventData);
                return new RuleOutcome(_limits.Admit(rule, context, now, force: true), false, true, warnings);
            case "warn":
                entry.RuleAction = "warn";
                warnings.Add(LimitMessage(exceeded) + " (warning only: the call went through).");
                _webhooks.Notify(rule, "limit.warning", eventData);
                return new RuleOutcome(_limits.Admit(rule, context, now, force: true), false, true, warnings);
            case "queue" when exceeded.Limit.Type == "concurrent":
                long deadline = Stopwatch.GetTimestamp() + (long)(_options.MaxQueueWait.TotalSeconds * Stopwatch.Frequency);
                while (Stopwatch.GetTimestamp() < deadline)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(20), http.RequestAborted);
                    Admission retry = _limits.Admit(rule, context, _options.TimeProvider.GetUtcNow(), force: false);
                    if (retry.Exceeded is null)
                    {
                        entry.RuleAction = "queue";
                        return new RuleOutcome(retry, false, false, warnings);
                    }
                }
                goto default;
            default:
                entry.RuleAction = "block";
                entry.Status = onExceeded.HttpStatus;
                entry.Error = "limit exceeded";
                _webhooks.Notify(rule, "limit.exceeded", eventData);
                await WriteBlockAsync(http, rule, onExceeded.HttpStatus, onExceeded.ErrorMessage ?? LimitMessage(exceeded) + ".",
                    "limit_exceeded", onExceeded.ErrorCode ?? $"{exceeded.Limit.Window}_{exceeded.Limit.Type}_limit", exceeded,
                    retryAfterSeconds: onExceeded.RetryAfterSeconds ?? SecondsUntil(exceeded, now));
                return new RuleOutcome(admission, true, true, warnings);
        }
    }

    private static int? SecondsUntil(ExceededLimit exceeded, DateTimeOffset now) => exceeded.Limit.Type == "concurrent"
        ? 1
        : exceeded.ResetsAt is { } at ? (int)Math.Ceiling(Math.Max(0, (at - now).TotalSeconds)) : null;

    private static string LimitMessage(ExceededLimit e) =>
        $"{Capitalize(e.Limit.Type)} limit of {RuleSet.Format(e.Limit.Max)} per {e.Limit.Per}{(e.Limit.Window == "total" || e.Limit.Type == "concurrent" ? "" : " per " + e.Limit.Window)} reached";

    private static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    private static async Task WriteBlockAsync(HttpContext http, Rule rule, int status, string message, string type, string? code, ExceededLimit? exceeded, int? retryAfterSeconds = null)
    {
        IHeaderDictionary headers = http.Response.Headers;
        headers["x-tokenlay-rule-id"] = rule.Id;
        headers["x-tokenlay-rule-action"] = "block";
        headers["x-tokenlay-limit-exceeded"] = exceeded is null ? "false" : "true";
        // The official OpenAI SDKs (Node, Python) honour this: a block does not clear by retrying,
        // and every retry would be one more refused, logged call.
        headers["x-should-retry"] = "false";
        if (retryAfterSeconds is { } seconds)
        {
            headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }
        var tokenlay = new JsonObject { ["rule_id"] = rule.Id };
        if (exceeded is not null)
        {
            tokenlay["limit"] = LimitJson(exceeded);
        }
        await ErrorResponses.WriteAsync(http, status, ErrorResponses.Body(message, type, code, null, tokenlay));
    }

    private static JsonObject LimitJson(ExceededLimit e) => new()
    {
        ["type"] = e.Limit.Type,
        ["window"] = e.Limit.Window,
        ["per"] = e.Limit.TrackingKey ?? e.Limit.Per,
        ["current"] = e.Current,
        ["max"] = e.Limit.Max,
        ["resets_at"] = e.ResetsAt?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
    };

    private static JsonObject EventData(Rule rule, string action, CallLogEntry entry, ExceededLimit exceeded) => new()
    {
        ["rule_id"] = rule.Id,
        ["action"] = action,
        ["request_id"] = entry.Id,
        ["user"] = entry.User,
        ["org"] = entry.Org,
        ["project"] = entry.Project,
        ["feature"] = entry.Feature,
        ["model"] = entry.ModelRequested,
        ["limit"] = LimitJson(exceeded),
    };

    private static void SetDecisionHeaders(HttpResponse response, CallLogEntry entry, RuleOutcome outcome)
    {
        IHeaderDictionary headers = response.Headers;
        headers["x-tokenlay-rule-action"] = entry.RuleAction;
        headers["x-tokenlay-limit-exceeded"] = outcome.LimitExceeded ? "true" : "false";
        headers["x-tokenlay-model"] = entry.ModelUsed;
        if (entry.RuleId is not null)
        {
            headers["x-tokenlay-rule-id"] = entry.RuleId;
        }
        if (outcome.Warnings.Count > 0)
        {
            headers["x-tokenlay-warnings"] = new JsonArray(outcome.Warnings.Select(w => (JsonNode)JsonValue.Create(w)!).ToArray()).ToJsonString();
        }
    }

    private static void SetUsageHeaders(HttpResponse response, CallLogEntry entry, long started)
    {
        IHeaderDictionary headers = response.Headers;
        headers["x-tokenlay-input-tokens"] = entry.InputTokens.ToString(CultureInfo.InvariantCulture);
        headers["x-tokenlay-output-tokens"] = entry.OutputTokens.ToString(CultureInfo.InvariantCulture);
        headers["x-tokenlay-tokens-used"] = (entry.InputTokens + entry.OutputTokens).ToString(CultureInfo.InvariantCulture);
        if (entry.CostUsd is { } cost)
        {
            headers["x-tokenlay-cost"] = cost.ToString(CultureInfo.InvariantCulture); // absent, not 0, when the price is unknown
        }
        headers["x-tokenlay-duration"] = Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);
    }

    private static async Task WriteProviderErrorAsync(HttpContext http, UpstreamReply reply)
    {
        JsonObject body;
        try
        {
            body = reply.Body is { Length: > 0 } bytes && JsonNode.Parse(bytes) is JsonObject parsed && parsed["error"] is not null
                ? parsed
                : ErrorResponses.Body(reply.Error ?? "The provider failed.", "upstream_error", "provider_error");
        }
        catch (JsonException)
        {
            body = ErrorResponses.Body("The provider answered " + reply.Status + " with a body that is not JSON.", "upstream_error", "provider_error");
        }
        await ErrorResponses.WriteAsync(http, reply.Status, body, source: "provider");
    }

    private Dictionary<string, object?> BuildContext(RequestMetadata meta, string model, string? provider, string user, int inFlight, DateTimeOffset now)
    {
        var context = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach ((string key, string value) in meta.Values)
        {
            context[key] = value;
        }
        context["model"] = model;
        context["provider"] = provider;
        if (!context.ContainsKey("tier") && meta["plan"] is { } plan)
        {
            context["tier"] = plan; // Tokenlay's rule examples say tier where the SDK says plan
        }
        (long requests, long tokens, decimal cost) = _store.MonthToDate(user, now);
        context["usage.requests"] = requests;
        context["usage.tokens"] = tokens;
        context["usage.cost"] = cost;
        context["usage.concurrent"] = inFlight;
        return context;
    }

    private async Task<JsonObject?> ReadBodyAsync(HttpContext http)
    {
        if (http.Request.ContentLength > _options.MaxRequestBodyBytes)
        {
            await TooLarge(http);
            return null;
        }
        byte[] bytes;
        try
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            bytes = buffer.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await TooLarge(http);
            return null;
        }
        try
        {
            if (JsonNode.Parse(bytes) is JsonObject obj)
            {
                return obj;
            }
            await ErrorResponses.WriteAsync(http, 400, "The request body must be a JSON object.", "invalid_request_error", "invalid_json");
        }
        catch (JsonException e)
        {
            await ErrorResponses.WriteAsync(http, 400, $"The request body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine}).", "invalid_request_error", "invalid_json");
        }
        return null;
    }

    private Task TooLarge(HttpContext http) => ErrorResponses.WriteAsync(http, 413,
        $"The request body is larger than the emulator's limit of {_options.MaxRequestBodyBytes} bytes (--max-body-bytes).", "invalid_request_error", "request_too_large");

    private static int IndexOfInvalidMessage(JsonArray messages)
    {
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not JsonObject message || message["role"] is not JsonValue)
            {
                return i;
            }
        }
        return -1;
    }

    private static async Task<bool> ValidateAsync(HttpContext http, string endpoint, JsonObject body)
    {
        string? problem = null, param = null, code = "missing_required_parameter";
        if (body["model"] is not JsonValue model || !model.TryGetValue(out string? name) || string.IsNullOrWhiteSpace(name))
        {
            (problem, param) = ("'model' is required and must be a non-empty string.", "model");
        }
        else if (endpoint == "chat/completions")
        {
            if (body["messages"] is not JsonArray messages)
            {
                (problem, param) = ("'messages' is required and must be an array of messages.", "messages");
            }
            else if (messages.Count == 0)
            {
                (problem, param, code) = ("'messages' must contain at least one message.", "messages", "invalid_value");
            }
            else if (IndexOfInvalidMessage(messages) is int index and >= 0)
            {
                (problem, param, code) = ($"messages[{index}] must be an object with a 'role'.", $"messages[{index}]", "invalid_value");
            }
        }
        else if (body["input"] is null)
        {
            (problem, param) = ("'input' is required.", "input");
        }
        if (problem is null)
        {
            return true;
        }
        await ErrorResponses.WriteAsync(http, 400, problem, "invalid_request_error", code, param);
        return false;
    }
}
