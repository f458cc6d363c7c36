using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tokenlay.Emulator.Budget;
using Tokenlay.Emulator.Credits;
using Tokenlay.Emulator.Proxy;

namespace Tokenlay.Emulator.Endpoints;

/// <summary>
/// Prepaid credits (<c>/v1/credits/...</c>): grants, accounts and their history, adjustments and
/// tiers that refill. Every change goes through the <see cref="Ledger"/> (its lock, its journal),
/// so a grant, an adjustment or a refill and the calls that burn credits are one consistent story.
/// Bad input is a 400 naming the field, and nothing is half-applied: each request is validated
/// whole before anything changes.
/// </summary>
internal static class CreditEndpoints
{
    private static readonly string[] s_periods = ["day", "week", "month", "year"];
    private static readonly string[] s_categories = ["paid", "promotional"];
    private static readonly string[] s_types = ["grant", "refill", "burn", "expiry", "adjustment", "rollover", "release"];

    public static void Map(IEndpointRouteBuilder app, Ledger ledger, TokenlayEmulatorOptions options)
    {
        var routes = new Routes(ledger, options);
        app.MapPost("/v1/credits/grants", (Func<HttpContext, Task>)routes.Grant) // a Func, not a RequestDelegate, so the OpenAPI document lists it
            .WithSummary("Grants credits to an account (created by its first grant). Idempotent by idempotency_key: the same key and body again give the same grant (200).");
        app.MapGet("/v1/credits/accounts", routes.Accounts)
            .WithSummary("The accounts, lowest available first (the dashboard's credits panel): {data, total}; limit 1 to 1000, default 50.");
        app.MapGet("/v1/credits/accounts/{account}", routes.Account)
            .WithSummary("An account's balance (settled, held, available), tier, next refill and grants.");
        app.MapGet("/v1/credits/accounts/{account}/transactions", routes.Transactions)
            .WithSummary("An account's history, newest first: grant, refill, burn, expiry, adjustment, rollover, release.");
        app.MapPost("/v1/credits/accounts/{account}/adjustments", routes.Adjust)
            .WithSummary("A signed correction with a reason; the history is never edited.");
        app.MapPut("/v1/credits/tiers/{id}", routes.UpsertTier)
            .WithSummary("Creates or replaces a tier: allocation per period, rollover cap and low-balance alerts.");
        app.MapGet("/v1/credits/tiers", routes.Tiers)
            .WithSummary("Every tier.");
        app.MapPut("/v1/credits/accounts/{account}/tier", routes.SetTier)
            .WithSummary("Puts an account on a tier; reset_balance starts a new period now.");
    }

    /// <summary>The route handlers, as method groups (the route analyzer reads these best).</summary>
    private sealed class Routes(Ledger ledger, TokenlayEmulatorOptions options)
    {
        public Task Grant(HttpContext http) => GrantAsync(http, ledger, options);

        public IResult Account(string account) => GetAccount(ledger, account);

        public IResult Accounts(HttpContext http) => ListAccounts(http, ledger);

        public IResult Transactions(HttpContext http, string account) => CreditEndpoints.Transactions(http, ledger, account);

        public Task Adjust(HttpContext http, string account) => AdjustAsync(http, ledger, options, account);

        public Task UpsertTier(HttpContext http, string id) => UpsertTierAsync(http, ledger, options, id);

        public IResult Tiers() => ListTiers(ledger);

        public Task SetTier(HttpContext http, string account) => SetTierAsync(http, ledger, options, account);
    }

    private static IResult GetAccount(Ledger ledger, string account) =>
        ledger.Credits((book, now) => book.Find(account) is { } a ? Results.Json(AccountJson(a, book, now)) : NotFound(account));

    private static IResult ListAccounts(HttpContext http, Ledger ledger)
    {
        int limit = 50;
        if (http.Request.Query.TryGetValue("limit", out var limitText)
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            return Bad("'limit' must be a whole number from 1 to 1000.", "limit");
        }
        return ledger.Credits((book, now) =>
        {
            // Lowest available first: the accounts about to be refused are the ones to look at.
            JsonObject[] accounts = book.Accounts.Select(a => AccountJson(a, book, now))
                .OrderBy(a => (decimal)a["available"]!).ThenBy(a => (string?)a["account"], StringComparer.Ordinal).ToArray();
            return Results.Json(new JsonObject
            {
                ["data"] = new JsonArray(accounts.Take(limit).Select(a => (JsonNode)a).ToArray()),
                ["total"] = accounts.Length,
            });
        });
    }

    private static IResult ListTiers(Ledger ledger) =>
        ledger.Credits((book, _) => Results.Json(new JsonObject { ["data"] = new JsonArray(book.Tiers.Select(t => (JsonNode)TierJson(t)).ToArray()) }));

    private static async Task GrantAsync(HttpContext http, Ledger ledger, TokenlayEmulatorOptions options)
    {
        (JsonObject? body, byte[] bytes, RequestError? unreadable) = await JsonBody.ReadAsync(http, options);
        if (body is null)
        {
            await ProxyResponses.WriteRequestErrorAsync(http, unreadable!);
            return;
        }
        DateTimeOffset now = options.TimeProvider.GetUtcNow();
        // Every field is read (and the first problem reported) before anything changes.
        RequestError?[] problems =
        [
            Account(body, "account", out string account),
            Amount(body, "amount", positive: true, out decimal amount),
            Whole(body, "priority", 10, out int priority),
            Time(body, "effective_at", out DateTimeOffset? effectiveAt),
            Time(body, "expires_at", out DateTimeOffset? expiresAt),
            Choice(body, "category", "paid", s_categories, out string category),
            Text(body, "description", 1000, out string? description),
            Key(body, http, out string? key),
        ];
        RequestError? error = problems.FirstOrDefault(p => p is not null);
        if (error is null && expiresAt is { } end && (end <= (effectiveAt ?? now)))
        {
            error = BudgetRequest.Invalid("'expires_at' must be after 'effective_at' (or after now).", "expires_at");
        }
        if (error is not null)
        {
            await ProxyResponses.WriteRequestErrorAsync(http, error);
            return;
        }
        var request = new GrantRequest(account, amount, priority, effectiveAt, expiresAt, category, description, key, Fingerprint(bytes));
        (CreditGrant? grant, bool replayed, bool conflict, JsonObject? json) = ledger.Credits((book, at) =>
        {
            (CreditGrant? g, bool r, bool c) = book.Grant(request, at);
            return (g, r, c, g is null ? null : GrantJson(g));
        });
        if (conflict)
        {
            await ErrorResponses.WriteAsync(http, 409, "This idempotency key was already used for a different grant. Use a new key for a new grant.",
                "idempotency_error", "idempotency_key_reused", "idempotency_key");
            return;
        }
        await ledger.DurableAsync();
        if (replayed)
        {
            http.Response.Headers[TokenlayHeaderNames.IdempotentReplayed] = "true";
        }
        await Results.Json(json, statusCode: replayed ? 200 : 201).ExecuteAsync(http);
    }

    private static async Task AdjustAsync(HttpContext http, Ledger ledger, TokenlayEmulatorOptions options, string account)
    {
        (JsonObject? body, byte[] bytes, RequestError? unreadable) = await JsonBody.ReadAsync(http, options);
        RequestError? error = body is null ? unreadable : AccountId(account, "account") ?? Amount(body, "amount", positive: false, out _) ?? Text(body, "reason", 1000, out _) ?? Key(body, http, out _);
        if (error is null && string.IsNullOrWhiteSpace(BudgetRequest.Text(body!, "reason")))
        {
            error = new RequestError(400, "'reason' is required: say why the balance is corrected.", "missing_required_parameter", "reason");
        }
        if (error is not null)
        {
            await ProxyResponses.WriteRequestErrorAsync(http, error);
            return;
        }
        Amount(body!, "amount", positive: false, out decimal amount);
        string reason = BudgetRequest.Text(body!, "reason")!;
        Key(body!, http, out string? key);
        string fingerprint = "adjustment:" + Fingerprint(bytes);
        JsonObject? answer = ledger.Credits((book, now) =>
        {
            if (book.Find(account) is null)
            {
                return null;
            }
            // An adjustment key is kept like a grant's: the same key and body again answer the same transaction.
            if (key is not null && book.Find(account)!.Keys.TryGetValue(key, out var seen))
            {
                return seen.Fingerprint == fingerprint
                    ? TransactionJson(book.Find(account)!.Transactions.First(t => t.Id == seen.GrantId))
                    : new JsonObject { ["conflict"] = true };
            }
            CreditTransaction adjustment = book.Adjust(account, amount, reason, now);
            if (key is not null)
            {
                book.Find(account)!.Keys[key] = (fingerprint, adjustment.Id);
            }
            return TransactionJson(adjustment);
        });
        if (answer is null)
        {
            await NotFound(account).ExecuteAsync(http);
            return;
        }
        if (answer["conflict"] is not null)
        {
            await ErrorResponses.WriteAsync(http, 409, "This idempotency key was already used for a different adjustment.", "idempotency_error", "idempotency_key_reused", "idempotency_key");
            return;
        }
        await ledger.DurableAsync();
        await Results.Json(answer, statusCode: 201).ExecuteAsync(http);
    }

    private static async Task UpsertTierAsync(HttpContext http, Ledger ledger, TokenlayEmulatorOptions options, string id)
    {
        (JsonObject? body, _, RequestError? unreadable) = await JsonBody.ReadAsync(http, options);
        if (body is null)
        {
            await ProxyResponses.WriteRequestErrorAsync(http, unreadable!);
            return;
        }
        decimal? rolloverMax = null;
        var alerts = new List<CreditAlert>();
        RequestError?[] problems =
        [
            id.Length is 0 or > 100 || id.Any(char.IsControl) ? BudgetRequest.Invalid("The tier id must be 1 to 100 characters, no control characters.", "id") : null,
            Amount(body, "allocation", positive: true, out decimal allocation),
            Choice(body, "period", null, s_periods, out string period),
        ];
        RequestError? error = problems.FirstOrDefault(p => p is not null);
        if (error is null && body["rollover"] is { } rollover)
        {
            error = rollover is JsonObject r && r["max"] is JsonValue mv && mv.TryGetValue(out decimal max) && max >= 0 && max <= CreditBook.MaxAmount
                ? null
                : BudgetRequest.Invalid("'rollover' must be {\"max\": N}: at most N unused credits carried into the next period.", "rollover.max");
            rolloverMax = error is null ? rollover["max"]!.GetValue<decimal>() : null;
        }
        if (error is null && body["alerts"] is { } alertsNode)
        {
            if (alertsNode is not JsonArray list)
            {
                error = BudgetRequest.Invalid("'alerts' must be an array such as [{\"below\": 100}, {\"below_percent\": 20}].", "alerts");
            }
            else
            {
                for (int i = 0; i < list.Count && error is null; i++)
                {
                    if (list[i] is JsonObject a && a["below"] is JsonValue b && b.TryGetValue(out decimal below) && below >= 0 && below <= CreditBook.MaxAmount)
                    {
                        alerts.Add(new CreditAlert(below, null));
                    }
                    else if (list[i] is JsonObject p && p["below_percent"] is JsonValue pv && pv.TryGetValue(out decimal percent) && percent is > 0 and <= 100)
                    {
                        alerts.Add(new CreditAlert(null, percent));
                    }
                    else
                    {
                        error = BudgetRequest.Invalid($"alerts[{i}] must be {{\"below\": credits}} or {{\"below_percent\": 1 to 100}}.", $"alerts[{i}]");
                    }
                }
            }
        }
        if (error is not null)
        {
            await ProxyResponses.WriteRequestErrorAsync(http, error);
            return;
        }
        var tier = new CreditTier(id, allocation, period, rolloverMax, alerts);
        ledger.Credits((book, _) =>
        {
            book.UpsertTier(tier);
            return 0;
        });
        await ledger.DurableAsync();
        await Results.Json(TierJson(tier)).ExecuteAsync(http);
    }

    private static async Task SetTierAsync(HttpContext http, Ledger ledger, TokenlayEmulatorOptions options, string account)
    {
        (JsonObject? body, _, RequestError? unreadable) = await JsonBody.ReadAsync(http, options);
        RequestError? error = body is null ? unreadable : AccountId(account, "account") ?? Text(body, "tier", 100, out _);
        string? tierId = body is null ? null : BudgetRequest.Text(body, "tier");
        if (error is null && tierId is null)
        {
            error = new RequestError(400, "'tier' is required: the id of a tier (PUT /v1/credits/tiers/{id}).", "missing_required_parameter", "tier");
        }
        bool reset = false;
        if (error is null && body!["reset_balance"] is { } resetNode && !(resetNode.GetValueKind() is JsonValueKind.True or JsonValueKind.False))
        {
            error = BudgetRequest.Invalid("'reset_balance' must be true or false.", "reset_balance");
        }
        reset = body?["reset_balance"]?.GetValueKind() == JsonValueKind.True;
        if (error is not null)
        {
            await ProxyResponses.WriteRequestErrorAsync(http, error);
            return;
        }
        JsonObject? answer = ledger.Credits((book, now) => book.Tier(tierId!) is { } tier ? AccountJson(book.SetTier(account, tier, reset, now), book, now) : null);
        if (answer is null)
        {
            await ErrorResponses.WriteAsync(http, 404, $"No tier has the id '{tierId}'. Create it with PUT /v1/credits/tiers/{{id}}.", "not_found", "tier_not_found", "tier");
            return;
        }
        await ledger.DurableAsync();
        await Results.Json(answer).ExecuteAsync(http);
    }

    private static IResult Transactions(HttpContext http, Ledger ledger, string account)
    {
        IQueryCollection q = http.Request.Query;
        string? type = q["type"];
        if (type is not null && !s_types.Contains(type))
        {
            return Bad($"'type' must be one of {string.Join(", ", s_types)}.", "type");
        }
        int limit = 50;
        if (q.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            return Bad("'limit' must be a whole number from 1 to 1000.", "limit");
        }
        long? cursor = null;
        if (q.TryGetValue("cursor", out var cursorText))
        {
            if (!long.TryParse(cursorText, NumberStyles.None, CultureInfo.InvariantCulture, out long c))
            {
                return Bad("'cursor' must be the next_cursor of an earlier page.", "cursor");
            }
            cursor = c;
        }
        DateTimeOffset? since = null, until = null;
        foreach (string name in new[] { "since", "until" })
        {
            if (q.TryGetValue(name, out var text))
            {
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset at))
                {
                    return Bad($"'{name}' must be an ISO 8601 time, such as 2026-12-01T00:00:00Z.", name);
                }
                if (name == "since") since = at; else until = at;
            }
        }
        return ledger.Credits((book, _) =>
        {
            if (book.Find(account) is not { } a)
            {
                return NotFound(account);
            }
            var page = book.History(a)
                .Where(t => (cursor is null || t.Sequence < cursor) && (type is null || t.Type == type) && (since is null || t.CreatedAt >= since) && (until is null || t.CreatedAt < until))
                .Take(limit + 1).ToList();
            bool more = page.Count > limit;
            page = page.Take(limit).ToList();
            return Results.Json(new JsonObject
            {
                ["data"] = new JsonArray(page.Select(t => (JsonNode)TransactionJson(t)).ToArray()),
                ["next_cursor"] = more ? page[^1].Sequence.ToString(CultureInfo.InvariantCulture) : null,
            });
        });
    }

    internal static JsonObject AccountJson(CreditAccount account, CreditBook book, DateTimeOffset now) => new()
    {
        ["object"] = "credit_account",
        ["account"] = account.Id,
        ["settled"] = account.Settled(now),
        ["held"] = account.Held,
        ["available"] = account.Available(now),
        ["tier"] = account.TierId,
        ["next_refill_at"] = At(account.NextRefillAt),
        ["grants"] = new JsonArray(account.Grants.Where(g => !g.Expired).Select(g => (JsonNode)GrantJson(g)).ToArray()),
    };

    private static JsonObject GrantJson(CreditGrant g) => new()
    {
        ["id"] = g.Id,
        ["object"] = "credit_grant",
        ["account"] = g.Account,
        ["amount"] = g.Amount,
        ["remaining"] = g.Remaining,
        ["priority"] = g.Priority,
        ["effective_at"] = At(g.EffectiveAt),
        ["expires_at"] = At(g.ExpiresAt),
        ["category"] = g.Category,
        ["description"] = g.Description,
        ["source"] = g.Source,
        ["created_at"] = At(g.CreatedAt),
    };

    internal static JsonObject TransactionJson(CreditTransaction t) => new()
    {
        ["id"] = t.Id,
        ["object"] = "credit_transaction",
        ["account"] = t.Account,
        ["type"] = t.Type,
        ["amount"] = t.Amount,
        ["balance_after"] = t.BalanceAfter,
        ["created_at"] = At(t.CreatedAt),
        ["log_id"] = t.LogId,
        ["grant_id"] = t.GrantId,
        ["reason"] = t.Reason,
        ["held_released"] = t.HeldReleased,
        ["input_tokens"] = t.InputTokens,
        ["output_tokens"] = t.OutputTokens,
    };

    private static JsonObject TierJson(CreditTier t) => new()
    {
        ["id"] = t.Id,
        ["object"] = "credit_tier",
        ["allocation"] = t.Allocation,
        ["period"] = t.Period,
        ["rollover"] = t.RolloverMax is { } max ? new JsonObject { ["max"] = max } : null,
        ["alerts"] = new JsonArray(t.Alerts.Select(a => (JsonNode)(a.Below is { } b ? new JsonObject { ["below"] = b } : new JsonObject { ["below_percent"] = a.BelowPercent })).ToArray()),
    };

    private static string? At(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static IResult NotFound(string account) =>
        Results.Json(ErrorResponses.Body($"No credit account '{account}'. An account is created by its first grant or tier.", "not_found", "account_not_found", "account"), statusCode: 404);

    private static IResult Bad(string message, string param) =>
        Results.Json(ErrorResponses.Body(message, "invalid_request_error", "invalid_value", param), statusCode: 400);

    private static string Fingerprint(byte[] body) => Convert.ToHexString(SHA256.HashData(body));

    /// <summary>An account written <c>per:key</c>, such as <c>user:alice</c>: the same per a rule's <c>then.credits</c> uses.</summary>
    internal static RequestError? AccountId(string account, string field) =>
        account.IndexOf(':') is int colon and > 0 && colon < account.Length - 1 && account.Length <= 264
        && account[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') && !account.Any(char.IsControl)
            ? null
            : BudgetRequest.Invalid($"'{field}' must be written per:key, such as user:alice or org:acme.", field);

    private static RequestError? Account(JsonObject body, string name, out string account)
    {
        account = BudgetRequest.Text(body, name) ?? "";
        return body[name] is null
            ? new RequestError(400, $"'{name}' is required, written per:key, such as user:alice.", "missing_required_parameter", name)
            : AccountId(account, name);
    }

    private static RequestError? Amount(JsonObject body, string name, bool positive, out decimal amount)
    {
        amount = 0;
        if (body[name] is null)
        {
            return new RequestError(400, $"'{name}' is required.", "missing_required_parameter", name);
        }
        bool ok = body[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out amount)
            && Math.Abs(amount) <= CreditBook.MaxAmount && (positive ? amount > 0 : amount != 0);
        return ok ? null : BudgetRequest.Invalid(
            $"'{name}' must be a number of credits {(positive ? "above 0" : "other than 0 (negative takes credits away)")}, at most {CreditBook.MaxAmount:N0}{(positive ? "" : " either way")}.", name);
    }

    private static RequestError? Whole(JsonObject body, string name, int fallback, out int value)
    {
        value = fallback;
        return body[name] is null || (body[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out value) && value is >= -1_000_000 and <= 1_000_000)
            ? null
            : BudgetRequest.Invalid($"'{name}' must be a whole number (lower burns first).", name);
    }

    private static RequestError? Time(JsonObject body, string name, out DateTimeOffset? at)
    {
        at = null;
        if (body[name] is null)
        {
            return null;
        }
        if (BudgetRequest.Text(body, name) is { } text
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset parsed))
        {
            at = parsed;
            return null;
        }
        return BudgetRequest.Invalid($"'{name}' must be an ISO 8601 time, such as 2026-12-31T00:00:00Z.", name);
    }

    private static RequestError? Choice(JsonObject body, string name, string? fallback, string[] allowed, out string value)
    {
        value = BudgetRequest.Text(body, name) ?? fallback ?? "";
        if (body[name] is null && fallback is null)
        {
            return new RequestError(400, $"'{name}' is required: one of {string.Join(", ", allowed)}.", "missing_required_parameter", name);
        }
        return allowed.Contains(value) ? null : BudgetRequest.Invalid($"'{name}' must be one of {string.Join(", ", allowed)}.", name);
    }

    private static RequestError? Text(JsonObject body, string name, int max, out string? value)
    {
        value = BudgetRequest.Text(body, name);
        return body[name] is null || (value is not null && value.Length <= max && !value.Any(c => char.IsControl(c) && c is not '\n' and not '\t'))
            ? null
            : BudgetRequest.Invalid($"'{name}' must be a string of at most {max} characters.", name);
    }

    private static RequestError? Key(JsonObject body, HttpContext http, out string? key)
    {
        key = BudgetRequest.Text(body, "idempotency_key") ?? RequestMetadata.From(http.Request.Headers).IdempotencyKey;
        return body["idempotency_key"] is not null && (key is null || key.Length is 0 or > 255)
            ? BudgetRequest.Invalid("'idempotency_key' must be a string of 1 to 255 characters.", "idempotency_key")
            : null;
    }
}
