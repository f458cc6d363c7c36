using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tokenlay.Emulator.Budget;
using Tokenlay.Emulator.Proxy;

namespace Tokenlay.Emulator.Endpoints;

/// <summary>
/// <c>/v1/blocklist</c>: block a subject (<c>per:key</c>) until a time or until removed, without
/// touching rules. Adding the same subject again replaces its entry, so a retried add is harmless.
/// </summary>
internal static class BlocklistEndpoints
{
    private const int MaxPage = 1000;

    public static void Map(IEndpointRouteBuilder app, Ledger ledger, TokenlayEmulatorOptions options)
    {
        var routes = new Routes(ledger, options);
        app.MapPost("/v1/blocklist", (Func<HttpContext, Task>)routes.Add) // a Func, not a RequestDelegate, so the OpenAPI document lists it
            .WithSummary("Blocks a subject (per:key, such as user:alice) until 'until' or until removed: its calls, records and reservations get 403 subject_blocked.");
        app.MapGet("/v1/blocklist", routes.List)
            .WithSummary("The active entries, by subject: {data, next_cursor}.");
        app.MapDelete("/v1/blocklist/{subject}", routes.Remove)
            .WithSummary("Unblocks a subject.");
    }

    private sealed class Routes(Ledger ledger, TokenlayEmulatorOptions options)
    {
        public async Task Add(HttpContext http)
        {
            (JsonObject? body, _, RequestError? unreadable) = await JsonBody.ReadAsync(http, options);
            if (body is null)
            {
                await ProxyResponses.WriteRequestErrorAsync(http, unreadable!);
                return;
            }
            DateTimeOffset now = options.TimeProvider.GetUtcNow();
            string subject = BudgetRequest.Text(body, "subject") ?? "";
            RequestError? error = body["subject"] is null
                ? new RequestError(400, "'subject' is required, written per:key, such as user:alice.", "missing_required_parameter", "subject")
                : CreditEndpoints.AccountId(subject, "subject");
            DateTimeOffset? until = null;
            if (error is null && body["until"] is { } untilNode)
            {
                if (BudgetRequest.Text(body, "until") is { } text
                    && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset at) && at > now)
                {
                    until = at;
                }
                else
                {
                    error = BudgetRequest.Invalid("'until' must be an ISO 8601 time in the future, such as 2026-12-31T00:00:00Z (leave it out to block until removed).", "until");
                }
            }
            string? reason = BudgetRequest.Text(body, "reason");
            if (error is null && body["reason"] is not null && (reason is null || reason.Length > 1000 || reason.Any(char.IsControl)))
            {
                error = BudgetRequest.Invalid("'reason' must be a string of at most 1000 characters, no control characters.", "reason");
            }
            if (error is not null)
            {
                await ProxyResponses.WriteRequestErrorAsync(http, error);
                return;
            }
            BlockEntry entry = ledger.Blocks((list, at) =>
            {
                list.Remove(subject); // by hand, an add replaces what was there
                return list.Add(new BlockEntry(subject, reason, until, at));
            });
            await ledger.DurableAsync();
            await Results.Json(ProxyResponses.BlockJson(entry), statusCode: 201).ExecuteAsync(http);
        }

        public IResult List(HttpContext http)
        {
            IQueryCollection q = http.Request.Query;
            int limit = 100;
            if (q.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxPage))
            {
                return Results.Json(ErrorResponses.Body($"'limit' must be a whole number from 1 to {MaxPage}.", "invalid_request_error", "invalid_value", "limit"), statusCode: 400);
            }
            string? subject = q["subject"];
            string? cursor = q["cursor"];
            List<BlockEntry> page = ledger.Blocks((list, now) => list.List(subject, cursor, limit + 1, now));
            bool more = page.Count > limit;
            page = page.Take(limit).ToList();
            return Results.Json(new JsonObject
            {
                ["data"] = new JsonArray(page.Select(e => (JsonNode)ProxyResponses.BlockJson(e)).ToArray()),
                ["next_cursor"] = more ? page[^1].Subject : null,
            });
        }

        public async Task<IResult> Remove(string subject)
        {
            bool removed = ledger.Blocks((list, _) => list.Remove(subject));
            await ledger.DurableAsync();
            return removed
                ? Results.Json(new JsonObject { ["subject"] = subject, ["deleted"] = true })
                : Results.Json(ErrorResponses.Body($"'{subject}' is not on the blocklist.", TokenlayErrorCodes.NotFound, TokenlayErrorCodes.BlockNotFound, "subject"), statusCode: 404);
        }
    }
}
