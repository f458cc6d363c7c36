using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tokenlay.Emulator.Metering;

namespace Tokenlay.Emulator.Endpoints;

/// <summary>
/// <c>/v1/logs/export</c> and <c>/v1/usage/export</c>: every matching call (not one page), or usage
/// totals grouped as asked, streamed as they are read (<see cref="ExportWriter"/>), so memory stays
/// flat for any size.
/// </summary>
internal static class ExportEndpoints
{
    /// <summary>The columns of a log export, in this order (documented in the README).</summary>
    public static readonly string[] LogColumns =
        ["timestamp", "request_id", "user", "org", "plan", "project", "feature", "model", "model_used", "input_tokens", "output_tokens", "cost_usd", "status", "rule_id", "action", "source"];

    private static readonly string[] s_groups = ["day", "user", "model", "feature", "org"];
    private static readonly string[] s_sums = ["requests", "input_tokens", "output_tokens", "cost_usd"];

    public static void Map(IEndpointRouteBuilder app, UsageStore store)
    {
        // Funcs, not RequestDelegates, so that the OpenAPI document lists them.
        app.MapGet("/v1/logs/export", (Func<HttpContext, Task>)(http => LogsAsync(http, store)))
            .WithSummary("Every matching call as CSV (fixed columns) or JSON Lines, streamed: format=csv|jsonl, since, until, user, org, feature, model.");
        app.MapGet("/v1/usage/export", (Func<HttpContext, Task>)(http => UsageAsync(http, store)))
            .WithSummary("Usage totals as CSV grouped by group_by (day, user, model, feature, org; comma-separated), with the same filters as /v1/usage.");
    }

    private static async Task LogsAsync(HttpContext http, UsageStore store)
    {
        IQueryCollection q = http.Request.Query;
        if (ExportWriter.Format(q) is not { } format)
        {
            await ErrorResponses.WriteAsync(http, 400, "'format' must be csv or jsonl.", "invalid_request_error", "invalid_value", "format");
            return;
        }
        if (!CompanionEndpoints.TryRange(q, out DateTimeOffset? since, out DateTimeOffset? until, out IResult? rangeError))
        {
            await rangeError!.ExecuteAsync(http);
            return;
        }
        Func<CallLogEntry, bool> match = e => CompanionEndpoints.Matches(q, "user", e.User) && CompanionEndpoints.Matches(q, "org", e.Org)
            && CompanionEndpoints.Matches(q, "feature", e.Feature) && CompanionEndpoints.Matches(q, "model", e.ModelUsed);
        await using ExportWriter export = await ExportWriter.StartAsync(http, format, "tokenlay-logs", LogColumns);
        await foreach (CallLogEntry e in store.ExportAsync(match, since, until, http.RequestAborted))
        {
            await export.WriteAsync(
            [
                e.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), e.Id, e.User, e.Org, e.Plan, e.Project, e.Feature,
                e.ModelRequested, e.ModelUsed, e.InputTokens, e.OutputTokens, e.CostUsd, e.Status, e.RuleId, e.RuleAction, e.Source,
            ]);
        }
    }

    private static async Task UsageAsync(HttpContext http, UsageStore store)
    {
        IQueryCollection q = http.Request.Query;
        if (ExportWriter.Format(q) is not { } format)
        {
            await ErrorResponses.WriteAsync(http, 400, "'format' must be csv or jsonl.", "invalid_request_error", "invalid_value", "format");
            return;
        }
        string[] groups = (q["group_by"].ToString() is { Length: > 0 } g ? g : "day").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (groups.Length == 0 || groups.Any(x => !s_groups.Contains(x)) || groups.Distinct().Count() != groups.Length)
        {
            await ErrorResponses.WriteAsync(http, 400, $"'group_by' must list some of {string.Join(", ", s_groups)}, comma-separated, each once.", "invalid_request_error", "invalid_value", "group_by");
            return;
        }
        if (!CompanionEndpoints.TryRange(q, out DateTimeOffset? since, out DateTimeOffset? until, out IResult? rangeError))
        {
            await rangeError!.ExecuteAsync(http);
            return;
        }
        var totals = new SortedDictionary<string, (string?[] Key, UsageSums Sums)>(StringComparer.Ordinal);
        foreach ((UsageKey key, UsageSums sums) in store.Rows(k =>
            CompanionEndpoints.Matches(q, "user", k.User) && CompanionEndpoints.Matches(q, "org", k.Org) && CompanionEndpoints.Matches(q, "project", k.Project)
            && CompanionEndpoints.Matches(q, "feature", k.Feature) && CompanionEndpoints.Matches(q, "model", k.Model)
            && (since is null || k.At >= since) && (until is null || k.At < until)))
        {
            if (sums.Requests == 0)
            {
                continue;
            }
            string?[] values = groups.Select(name => name switch
            {
                "day" => key.At.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                "user" => key.User,
                "model" => key.Model,
                "feature" => key.Feature,
                _ => key.Org,
            }).ToArray();
            string id = string.Join('\u001f', values.Select(v => v ?? "\u0000"));
            if (!totals.TryGetValue(id, out var group))
            {
                totals[id] = group = (values, new UsageSums());
            }
            group.Sums.Add(sums);
        }
        await using ExportWriter export = await ExportWriter.StartAsync(http, format, "tokenlay-usage", [.. groups, .. s_sums]);
        foreach ((string?[] values, UsageSums sums) in totals.Values)
        {
            await export.WriteAsync([.. values, sums.Requests, sums.InputTokens, sums.OutputTokens, sums.CostUsd]);
        }
    }
}
