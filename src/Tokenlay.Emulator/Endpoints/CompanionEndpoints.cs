using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tokenlay.Emulator.Labels;
using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Pricing;

namespace Tokenlay.Emulator.Endpoints;

/// <summary>Tokenlay's own REST API: usage, logs and pricing, as documented in the OpenAPI document and the README.</summary>
internal static class CompanionEndpoints
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = TokenlayPageSizes.Max;

    public static void Map(IEndpointRouteBuilder app, UsageStore store)
    {
        app.MapGet("/v1/usage", (HttpContext http) => Usage(http, store))
            .WithSummary("Usage totals, by model, by user, by day and by intent label, for the calls that match the filters.")
            .Produces<UsageReport>();
        app.MapGet("/v1/logs", (HttpContext http) => Logs(http, store))
            .WithSummary("Metered calls, newest first, paged with next_cursor; label= keeps the calls with that intent label.")
            .Produces<LogPage>()
            .WithLabelParameter();
        app.MapGet("/v1/logs/{id}", (string id) => store.Find(id) is { } entry
                ? Results.Json(entry, EmulatorJson.Options)
                : Error(404, $"No log entry has the id '{id}'.", "not_found", "log_not_found", "id"))
            .WithSummary("One metered call.")
            .Produces<CallLogEntry>();
        app.MapGet("/v1/pricing", () => Results.Json(new PricingReport(PriceTable.Defaults, store.Prices.Overrides), EmulatorJson.Options))
            .WithSummary("Built-in prices and overrides, USD per 1M input/output tokens.")
            .Produces<PricingReport>();
        app.MapPut("/v1/pricing", (Func<HttpContext, Task<IResult>>)(http => UpdatePricing(http, store)))
            .WithSummary("Adds or replaces price overrides: {\"provider\": {\"model\": {\"input\": 0.5, \"output\": 2.0}}}.")
            .Produces<PricingReport>();
        app.MapDelete("/v1/pricing", () =>
            {
                store.Prices.Clear();
                store.PricesChanged();
                return Results.Json(new PricingReport(PriceTable.Defaults, store.Prices.Overrides), EmulatorJson.Options);
            })
            .WithSummary("Drops every override, back to the built-in prices.")
            .Produces<PricingReport>();
    }

    private static IResult Usage(HttpContext http, UsageStore store)
    {
        if (!TryRange(http.Request.Query, out DateTimeOffset? since, out DateTimeOffset? until, out IResult? error))
        {
            return error!;
        }
        IQueryCollection q = http.Request.Query;
        int limit = UsageReport.DefaultBreakdownLimit;
        if (q.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > UsageReport.MaxBreakdownLimit))
        {
            return Error(400, $"'limit' must be a whole number from 1 to {UsageReport.MaxBreakdownLimit}: how many users and features to list.", "invalid_request_error", "invalid_value", "limit");
        }
        UsageReport report = store.Report(c =>
            Matches(q, "user", c.User) && Matches(q, "org", c.Org) && Matches(q, "project", c.Project) && Matches(q, "feature", c.Feature)
            && Matches(q, "model", c.Model) && Matches(q, "key_ref", c.KeyRef) && (since is null || c.At >= since) && (until is null || c.At < until), since, until, limit);
        return Results.Json(report, EmulatorJson.Options);
    }

    private static IResult Logs(HttpContext http, UsageStore store)
    {
        IQueryCollection q = http.Request.Query;
        if (!TryRange(q, out DateTimeOffset? since, out DateTimeOffset? until, out IResult? error))
        {
            return error!;
        }
        int limit = DefaultPageSize;
        if (q.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxPageSize))
        {
            return Error(400, $"'limit' must be a whole number from 1 to {MaxPageSize}.", "invalid_request_error", "invalid_value", "limit");
        }
        bool? success = null;
        if (q.TryGetValue("success", out var successText))
        {
            if (!bool.TryParse(successText, out bool s))
            {
                return Error(400, "'success' must be true or false.", "invalid_request_error", "invalid_value", "success");
            }
            success = s;
        }
        string? label = q.TryGetValue("label", out var labelText) ? labelText.ToString() : null;
        if (label is not null && !IntentLabels.IsKnown(label))
        {
            return Error(400, $"'label' must be one of {string.Join(", ", IntentLabels.All)}.", "invalid_request_error", "invalid_value", "label");
        }
        long before = long.MaxValue;
        if (q.TryGetValue("cursor", out var cursorText) && !TryDecodeCursor(cursorText.ToString(), out before))
        {
            return Error(400, "'cursor' is not a cursor this server gave out; pass next_cursor from the previous page.", "invalid_request_error", "invalid_cursor", "cursor");
        }
        // Newest first, paged by arrival order, so calls made while paging never shift a page.
        List<CallLogEntry> matching = store.Snapshot()
            .Where(c => Matches(q, "user", c.User) && Matches(q, "org", c.Org) && Matches(q, "feature", c.Feature) && Matches(q, "model", c.ModelUsed) && Matches(q, "key_ref", c.KeyRef)
                && (success is null || c.Success == success) && InRange(c, since, until) && (label is null || (c.Labels?.Contains(label) ?? false)))
            .OrderByDescending(c => c.Sequence)
            .ToList();
        List<CallLogEntry> page = matching.Where(c => c.Sequence < before).Take(limit + 1).ToList();
        string? next = page.Count > limit ? EncodeCursor(page[limit - 1].Sequence) : null;
        return Results.Json(new LogPage(page.Take(limit).ToList(), next, matching.Count), EmulatorJson.Options);
    }

    private static async Task<IResult> UpdatePricing(HttpContext http, UsageStore store)
    {
        JsonNode? root;
        try
        {
            root = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        }
        catch (JsonException)
        {
            return Error(400, "The body must be JSON: {\"provider\": {\"model\": {\"input\": 0.5, \"output\": 2.0}}}.", "invalid_request_error", "invalid_json");
        }
        if (root is not JsonObject providers || providers.Count == 0)
        {
            return Error(400, "The body must be a non-empty object: {\"provider\": {\"model\": {\"input\": 0.5, \"output\": 2.0}}}.", "invalid_request_error", "invalid_value");
        }
        var overrides = new Dictionary<string, Dictionary<string, ModelPrice>>(StringComparer.OrdinalIgnoreCase);
        foreach ((string provider, JsonNode? modelsNode) in providers)
        {
            if (modelsNode is not JsonObject models || models.Count == 0)
            {
                return Error(400, $"'{provider}' must be an object of models.", "invalid_request_error", "invalid_value", provider);
            }
            var prices = overrides[provider] = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase);
            foreach ((string model, JsonNode? priceNode) in models)
            {
                string where = $"{provider}.{model}";
                if (priceNode is not JsonObject price || !TryPrice(price["input"], out decimal input) || !TryPrice(price["output"], out decimal output))
                {
                    return Error(400, $"'{where}' needs 'input' and 'output', each a number of USD per 1M tokens from 0 to {ModelPrice.MaxPerMillionTokens:N0}.", "invalid_request_error", "invalid_value", where);
                }
                prices[model] = new ModelPrice(input, output);
            }
        }
        store.Prices.Merge(overrides);
        store.PricesChanged();
        return Results.Json(new PricingReport(PriceTable.Defaults, store.Prices.Overrides), EmulatorJson.Options);
    }

    private static bool TryPrice(JsonNode? node, out decimal value)
    {
        value = 0;
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out value) && value >= 0 && value <= ModelPrice.MaxPerMillionTokens;
    }

    internal static bool TryRange(IQueryCollection q, out DateTimeOffset? since, out DateTimeOffset? until, out IResult? error)
    {
        since = until = null;
        error = null;
        foreach (string name in new[] { "since", "until" })
        {
            if (!q.TryGetValue(name, out var text))
            {
                continue;
            }
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset at))
            {
                error = Error(400, $"'{name}' must be an ISO 8601 date or time, such as 2026-11-01 or 2026-11-01T00:00:00Z.", "invalid_request_error", "invalid_value", name);
                return false;
            }
            if (name == "since") since = at; else until = at;
        }
        if (since > until)
        {
            error = Error(400, "'since' is after 'until'.", "invalid_request_error", "invalid_value", "since");
            return false;
        }
        return true;
    }

    private static bool InRange(CallLogEntry c, DateTimeOffset? since, DateTimeOffset? until) =>
        (since is null || c.Timestamp >= since) && (until is null || c.Timestamp < until);

    internal static bool Matches(IQueryCollection q, string name, string? value) =>
        !q.TryGetValue(name, out var wanted) || string.Equals(wanted.ToString(), value, StringComparison.Ordinal);

    private static string EncodeCursor(long sequence) =>
        Convert.ToBase64String(BitConverter.GetBytes(sequence)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecodeCursor(string cursor, out long sequence)
    {
        sequence = 0;
        try
        {
            string padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            byte[] bytes = Convert.FromBase64String(padded);
            if (bytes.Length != sizeof(long))
            {
                return false;
            }
            sequence = BitConverter.ToInt64(bytes);
            return sequence > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    internal static IResult Error(int status, string message, string type, string? code = null, string? param = null) =>
        Results.Json(ErrorResponses.Body(message, type, code, param), statusCode: status);
}
