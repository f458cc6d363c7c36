using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Tokenlay.Emulator.Budget;
using Tokenlay.Emulator.Endpoints;
using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Upstream;

namespace Tokenlay.Emulator.Proxy;

/// <summary>The last stage of a proxied call: the <c>x-tokenlay-*</c> headers and the bodies of refusals.</summary>
internal static class ProxyResponses
{
    public static Task WriteRequestErrorAsync(HttpContext http, RequestError error) =>
        ErrorResponses.WriteAsync(http, error.Status, error.Message, error.Type, error.Code, error.Param);

    public static async Task WriteRefusalAsync(HttpContext http, AdmissionOutcome outcome, IReadOnlyList<string>? warnings = null)
    {
        IHeaderDictionary headers = http.Response.Headers;
        warnings ??= outcome.Warnings;
        if (warnings.Count > 0)
        {
            headers[TokenlayHeaderNames.Warnings] = JsonSerializer.Serialize(warnings);
        }
        if (outcome.Rule is not null)
        {
            headers[TokenlayHeaderNames.RuleId] = HeaderText.Safe(outcome.Rule.Id);
        }
        headers[TokenlayHeaderNames.RuleAction] = "block";
        headers[TokenlayHeaderNames.LimitExceeded] = outcome.Exceeded is null ? "false" : "true";
        // The official OpenAI SDKs (Node, Python) honour this: a block does not clear by retrying,
        // and every retry would be one more refused, logged call.
        headers["x-should-retry"] = "false";
        if (outcome.RetryAfterSeconds is { } seconds)
        {
            headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }
        var tokenlay = new JsonObject { ["rule_id"] = outcome.Rule?.Id };
        if (outcome.Block is { } block)
        {
            tokenlay["block"] = BlockJson(block);
        }
        if (outcome.Exceeded is not null)
        {
            tokenlay["limit"] = LimitJson(outcome.Exceeded);
        }
        if (outcome.Credits is { } credits)
        {
            tokenlay["credits"] = new JsonObject { ["account"] = credits.Account, ["available"] = credits.Available, ["required"] = credits.Required };
        }
        await ErrorResponses.WriteAsync(http, outcome.Status, ErrorResponses.Body(outcome.ErrorMessage!, outcome.ErrorType!, outcome.ErrorCode, null, tokenlay));
    }

    public static JsonObject BlockJson(BlockEntry b) => new()
    {
        ["subject"] = b.Subject,
        ["reason"] = b.Reason,
        ["until"] = b.Until?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["created_at"] = b.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["rule_id"] = b.RuleId,
    };

    // Issue 25 item 9: the shape POST /v1/check gives a limit (key, remaining, exceeded too), so a
    // refusal, a record and a commit past a limit name whose limit it is.
    public static JsonObject LimitJson(ExceededLimit e) => new()
    {
        ["type"] = e.Limit.Type,
        ["window"] = e.Limit.Window,
        ["per"] = e.Limit.TrackingKey ?? e.Limit.Per,
        ["key"] = e.PerValue,
        ["current"] = e.Current,
        ["max"] = e.Limit.Max,
        ["remaining"] = Math.Max(0m, e.Limit.Max - e.Current),
        ["resets_at"] = e.ResetsAt?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["exceeded"] = true,
    };

    public static void SetDecisionHeaders(HttpResponse response, CallLogEntry entry, AdmissionOutcome outcome, IReadOnlyList<string> warnings)
    {
        IHeaderDictionary headers = response.Headers;
        headers[TokenlayHeaderNames.RuleAction] = entry.RuleAction;
        headers[TokenlayHeaderNames.LimitExceeded] = outcome.Exceeded is null ? "false" : "true";
        headers[TokenlayHeaderNames.Model] = HeaderText.Safe(entry.ModelUsed!);
        if (entry.RuleId is not null)
        {
            headers[TokenlayHeaderNames.RuleId] = HeaderText.Safe(entry.RuleId);
        }
        if (warnings.Count > 0)
        {
            // JSON escapes every non-ASCII character, so the header value is always plain ASCII.
            headers[TokenlayHeaderNames.Warnings] = JsonSerializer.Serialize(warnings);
        }
    }

    /// <summary><c>x-tokenlay-credits-used</c> and <c>x-tokenlay-credits-remaining</c>, on calls a rule's <c>then.credits</c> paid for.</summary>
    public static void SetCreditHeaders(HttpResponse response, decimal? used, decimal? remaining)
    {
        if (used is { } u && remaining is { } r)
        {
            response.Headers[TokenlayHeaderNames.CreditsUsed] = u.ToString(CultureInfo.InvariantCulture);
            response.Headers[TokenlayHeaderNames.CreditsRemaining] = r.ToString(CultureInfo.InvariantCulture);
        }
    }

    public static void SetUsageHeaders(HttpResponse response, CallLogEntry entry, long started)
    {
        IHeaderDictionary headers = response.Headers;
        headers[TokenlayHeaderNames.InputTokens] = entry.InputTokens.ToString(CultureInfo.InvariantCulture);
        headers[TokenlayHeaderNames.OutputTokens] = entry.OutputTokens.ToString(CultureInfo.InvariantCulture);
        headers[TokenlayHeaderNames.TokensUsed] = (entry.InputTokens + entry.OutputTokens).ToString(CultureInfo.InvariantCulture);
        if (entry.CostUsd is { } cost)
        {
            headers[TokenlayHeaderNames.Cost] = cost.ToString(CultureInfo.InvariantCulture); // absent, not 0, when the price is unknown
        }
        headers[TokenlayHeaderNames.Duration] = Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The final figures of a stream, for a caller that asked with <c>x-tokenlay-stream-summary</c>:
    /// one <c>event: tokenlay.summary</c> before the end marker. Headers went out before the usage
    /// existed; this is how the SDK learns a stream's cost. Callers that did not ask never see it.
    /// </summary>
    public static async Task WriteStreamSummaryAsync(HttpContext http, CallLogEntry entry, long started, (MeteredUsage Usage, decimal? CostUsd) priced,
        decimal? creditsUsed = null, decimal? creditsRemaining = null)
    {
        var summary = new JsonObject
        {
            ["request_id"] = entry.Id,
            ["model"] = entry.ModelUsed,
            ["input_tokens"] = priced.Usage.InputTokens,
            ["output_tokens"] = priced.Usage.OutputTokens,
            ["tokens_used"] = priced.Usage.InputTokens + priced.Usage.OutputTokens,
            ["cost"] = priced.CostUsd,
            ["duration_ms"] = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds),
            ["usage_source"] = priced.Usage.Source,
            ["labels"] = Labels.LabelHeaders.Json(entry.PromptLabels), // the prompt's labels, as in x-tokenlay-labels
        };
        if (creditsUsed is not null)
        {
            summary["credits_used"] = creditsUsed;
            summary["credits_remaining"] = creditsRemaining;
        }
        await http.Response.WriteAsync("event: tokenlay.summary\ndata: " + summary.ToJsonString() + "\n\n", http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    public static async Task WriteProviderErrorAsync(HttpContext http, UpstreamReply reply)
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
}
