using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using CsvHelper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tokenlay.Emulator.Metering;

namespace Tokenlay.Emulator.Endpoints;

/// <summary>
/// <c>/v1/logs/export</c> and <c>/v1/usage/export</c>: every matching call (not one page), or usage
/// totals grouped as asked, streamed as they are read, so memory stays flat for any size. CSV is
/// RFC 4180 (CsvHelper) with cells that a spreadsheet would run as a formula (starting with
/// <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, tab or CR) made inert by a leading apostrophe, as OWASP
/// recommends; JSON Lines is one object per line with the same fields.
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
        app.MapGet("/v1/logs/export", (HttpContext http) => LogsAsync(http, store))
            .WithSummary("Every matching call as CSV (fixed columns) or JSON Lines, streamed: format=csv|jsonl, since, until, user, org, feature, model.");
        app.MapGet("/v1/usage/export", (HttpContext http) => UsageAsync(http, store))
            .WithSummary("Usage totals as CSV grouped by group_by (day, user, model, feature, org; comma-separated), with the same filters as /v1/usage.");
    }

    private static async Task LogsAsync(HttpContext http, UsageStore store)
    {
        IQueryCollection q = http.Request.Query;
        string format = q["format"].ToString() is { Length: > 0 } f ? f : "csv";
        if (format is not ("csv" or "jsonl"))
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
        http.Response.ContentType = format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"tokenlay-logs.{format}\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), bufferSize: 64 * 1024);
        await using CsvWriter? csv = format == "csv" ? Csv(writer) : null;
        if (csv is not null)
        {
            foreach (string column in LogColumns)
            {
                csv.WriteField(column);
            }
            await csv.EndRecordAsync(http.RequestAborted);
        }
        long written = 0;
        await foreach (CallLogEntry e in store.ExportAsync(match, since, until, http.RequestAborted))
        {
            object?[] row =
            [
                e.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), e.Id, e.User, e.Org, e.Plan, e.Project, e.Feature,
                e.ModelRequested, e.ModelUsed, e.InputTokens, e.OutputTokens, e.CostUsd, e.Status, e.RuleId, e.RuleAction, e.Source,
            ];
            if (csv is not null)
            {
                foreach (object? cell in row)
                {
                    csv.WriteField(Cell(cell));
                }
                await csv.EndRecordAsync(http.RequestAborted);
            }
            else
            {
                await writer.WriteLineAsync(Line(LogColumns, row));
            }
            if (++written % 1000 == 0)
            {
                // The caller sees rows as they come, and memory stays flat.
                if (csv is not null)
                {
                    await csv.FlushAsync(http.RequestAborted);
                }
                await writer.FlushAsync(http.RequestAborted);
            }
        }
    }

    private static async Task UsageAsync(HttpContext http, UsageStore store)
    {
        IQueryCollection q = http.Request.Query;
        string format = q["format"].ToString() is { Length: > 0 } f ? f : "csv";
        if (format is not ("csv" or "jsonl"))
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
        http.Response.ContentType = format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"tokenlay-usage.{format}\"";
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), bufferSize: 64 * 1024);
        string[] columns = [.. groups, .. s_sums];
        await using CsvWriter? csv = format == "csv" ? Csv(writer) : null;
        if (csv is not null)
        {
            foreach (string column in columns)
            {
                csv.WriteField(column);
            }
            await csv.EndRecordAsync(http.RequestAborted);
        }
        foreach ((string?[] values, UsageSums sums) in totals.Values)
        {
            object?[] row = [.. values, sums.Requests, sums.InputTokens, sums.OutputTokens, sums.CostUsd];
            if (csv is not null)
            {
                foreach (object? cell in row)
                {
                    csv.WriteField(Cell(cell));
                }
                await csv.EndRecordAsync(http.RequestAborted);
            }
            else
            {
                await writer.WriteLineAsync(Line(columns, row));
            }
        }
    }

    // RFC 4180 (CRLF, quoting as needed), with formula-looking text escaped by a leading apostrophe (OWASP).
    private static CsvWriter Csv(TextWriter writer) => CsvWriter.Create(writer, new CsvWriterOptions { Injection = CsvInjection.Escape, NewLine = "\r\n" }, leaveOpen: true);

    private static string Cell(object? value) => value switch
    {
        null => "",
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Line(string[] columns, object?[] row)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            for (int i = 0; i < columns.Length; i++)
            {
                switch (row[i])
                {
                    case null: json.WriteNull(columns[i]); break;
                    case long n: json.WriteNumber(columns[i], n); break;
                    case int n: json.WriteNumber(columns[i], n); break;
                    case decimal d: json.WriteNumber(columns[i], d); break;
                    default: json.WriteString(columns[i], row[i]!.ToString()); break;
                }
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
