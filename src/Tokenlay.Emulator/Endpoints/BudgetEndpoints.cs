using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tokenlay.Emulator.Budget;
using Tokenlay.Emulator.Idempotency;
using Tokenlay.Emulator.Labels;
using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Proxy;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Endpoints;

/// <summary>
/// Budgets before and outside the proxy, on the same <see cref="Ledger"/> as proxied calls:
/// <c>POST /v1/check</c> (what a call would meet, nothing counted), <c>POST /v1/usage/records</c>
/// (usage that never passed through the proxy) and <c>/v1/reservations</c> (budget held for a job).
/// </summary>
internal static class BudgetEndpoints
{
    /// <summary>Reservation lifetimes: 5 minutes unless asked, at most a day.</summary>
    public const int DefaultTtlSeconds = 300, MaxTtlSeconds = 86_400;

    public static void Map(IEndpointRouteBuilder app, UsageStore store, RuleAdmission admission, TokenlayEmulatorOptions options, IIdempotencyJournal? answers, CallLabeling? labeling = null)
    {
        var records = new IdempotencyStore(options.TimeProvider, options.IdempotencyKeyLifetime, options.MaxIdempotencyKeys, answers, "budget");
        var handlers = new Handlers(store, admission, options, records, labeling);
        app.MapPost("/v1/check", (Func<HttpContext, Task>)handlers.CheckAsync)
            .WithSummary("What a proxied call with this metadata and model would meet (rule, action, model, limits), and the user's intent labels of the last 24 hours (labels); meters nothing.");
        app.MapPost("/v1/usage/records", (Func<HttpContext, Task>)handlers.RecordAsync)
            .WithSummary("Records usage that did not pass through the proxy; counted in usage, logs and limits. Idempotent by idempotency_key.");
        // Issue 25 item 11: idempotent by x-tokenlay-idempotency-key or idempotency_key (IdempotentCreate.cs).
        app.MapPost("/v1/reservations", IdempotentCreate.Wrap(records, options, handlers.ReserveAsync))
            .WithSummary("Holds an estimate against the limits for ttl_seconds: 201 with the reservation, or the limit error. Idempotent by idempotency_key.");
        app.MapGet("/v1/reservations/{id}", (string id) => admission.Ledger.Find(id) is { } r
                ? Results.Json(ReservationJson(r))
                : NotFound(id))
            .WithSummary("One reservation: what it still holds and what was used against it.");
        app.MapPost("/v1/reservations/{id}/commit", (Func<HttpContext, string, Task>)handlers.CommitAsync)
            .WithSummary("Meters usage done outside the proxy against the reservation's hold.");
        app.MapDelete("/v1/reservations/{id}", async (string id) =>
            {
                if (admission.Ledger.Find(id) is not { } reservation)
                {
                    return NotFound(id);
                }
                admission.Ledger.Release(reservation);
                await admission.Ledger.DurableAsync();
                return Results.Json(ReservationJson(reservation));
            })
            .WithSummary("Releases what the reservation still holds.");
    }

    private sealed class Handlers(UsageStore store, RuleAdmission admission, TokenlayEmulatorOptions options, IdempotencyStore records, CallLabeling? labeling)
    {
        public async Task CheckAsync(HttpContext http)
        {
            (JsonObject? body, _, RequestError? error) = await JsonBody.ReadAsync(http, options);
            (BudgetRequest? request, RequestError? invalid) = body is null ? (null, error) : BudgetRequest.Read(body);
            (long? input, long? output, RequestError? badEstimate) = body is null || request is null ? (null, null, invalid) : TokenEstimate(body);
            if (request is null || badEstimate is not null)
            {
                await ProxyResponses.WriteRequestErrorAsync(http, invalid ?? badEstimate!);
                return;
            }
            DateTimeOffset now = options.TimeProvider.GetUtcNow();
            Dictionary<string, object?> context = RuleContext.Build(request.Metadata, request.Model, request.Provider, store, now);
            labeling?.AddTo(context, null); // recent_labels rules meet a check as they meet the call
            // Without an estimate, a check holds what a call without max_tokens would: the default output estimate.
            long inTokens = input ?? 0, outTokens = output ?? options.DefaultOutputTokenEstimate;
            AdmissionOutcome outcome = admission.Check(context, request.Model,
                model => new UsageEstimate(inTokens + outTokens, store.Prices.Find(request.Provider, model)?.CostOf(inTokens, outTokens)));
            var warnings = new List<string>(outcome.Warnings);
            if (request.Metadata.Dropped.Count > 0)
            {
                warnings.Add($"Metadata named like a secret is never stored: {string.Join(", ", request.Metadata.Dropped)} ignored.");
            }
            // The account's credits are asked the same question the call would put to them.
            CreditRefusal? credits = outcome.Refused || outcome.Rule is null ? null
                : admission.Ledger.CheckCredits(outcome.Rule, context, outcome.Model, store.Prices.Find(request.Provider, outcome.Model), inTokens, outTokens);
            await Write(http, 200, new JsonObject
            {
                ["allowed"] = !outcome.Refused && credits is null,
                ["block"] = outcome.Block is null ? null : ProxyResponses.BlockJson(outcome.Block),
                ["credits"] = credits is null ? null : new JsonObject { ["account"] = credits.Account, ["available"] = credits.Available, ["required"] = credits.Required, ["code"] = credits.Code },
                ["action"] = outcome.Action,
                ["rule_id"] = outcome.Rule?.Id,
                ["model"] = outcome.Model,
                ["labels"] = LabelHeaders.Json(labeling is null ? [] : labeling.RecentLabels(request.Metadata["user"])),
                ["warnings"] = new JsonArray(warnings.Select(w => (JsonNode)JsonValue.Create(w)).ToArray()),
                ["limits"] = LimitsJson(outcome.Limits),
            });
        }

        public async Task RecordAsync(HttpContext http)
        {
            (JsonObject? body, byte[] bytes, RequestError? error) = await JsonBody.ReadAsync(http, options);
            if (body is null)
            {
                await ProxyResponses.WriteRequestErrorAsync(http, error!);
                return;
            }
            string? key = BudgetRequest.Text(body, "idempotency_key") ?? RequestMetadata.From(http.Request.Headers).IdempotencyKey;
            if (body["idempotency_key"] is { } k && (key is null || key.Length is 0 or > 255))
            {
                await ProxyResponses.WriteRequestErrorAsync(http, BudgetRequest.Invalid("'idempotency_key' must be a string of 1 to 255 characters.", "idempotency_key"));
                return;
            }
            await Idempotent(http, key, bytes, () => RecordCoreAsync(http, body));
        }

        private async Task<StoredResponse?> RecordCoreAsync(HttpContext http, JsonObject body)
        {
            (BudgetRequest? request, RequestError? invalid) = BudgetRequest.Read(body);
            (long? input, RequestError? e1) = BudgetRequest.Tokens(body, "input_tokens", "input_tokens");
            (long? output, RequestError? e2) = BudgetRequest.Tokens(body, "output_tokens", "output_tokens");
            (decimal? cost, RequestError? e3) = BudgetRequest.Usd(body, "cost_usd", "cost_usd");
            DateTimeOffset now = options.TimeProvider.GetUtcNow();
            DateTimeOffset at = now;
            RequestError? e4 = null;
            if (BudgetRequest.Text(body, "occurred_at") is { } when)
            {
                if (!DateTimeOffset.TryParse(when, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at) || at > now.AddMinutes(5))
                {
                    e4 = BudgetRequest.Invalid("'occurred_at' must be an ISO 8601 time, not in the future, such as 2026-11-30T09:00:00Z.", "occurred_at");
                }
            }
            else if (body["occurred_at"] is not null)
            {
                e4 = BudgetRequest.Invalid("'occurred_at' must be an ISO 8601 time string.", "occurred_at");
            }
            if ((invalid ?? e1 ?? e2 ?? e3 ?? e4) is { } problem)
            {
                await ProxyResponses.WriteRequestErrorAsync(http, problem);
                return null;
            }
            if (input is null && output is null)
            {
                await ProxyResponses.WriteRequestErrorAsync(http, new RequestError(400, "'input_tokens' or 'output_tokens' is required.", "missing_required_parameter", "input_tokens"));
                return null;
            }
            CallLogEntry entry = NewEntry(request!, "recorded", at, input ?? 0, output ?? 0, cost);
            Dictionary<string, object?> context = RuleContext.Build(request!.Metadata, request.Model, request.Provider, store, now);
            labeling?.AddTo(context, null);
            if (admission.Ledger.Blocked(context) is { } blocked)
            {
                await ProxyResponses.WriteRefusalAsync(http, RuleAdmission.RefusedByBlock(blocked, request.Model, now));
                return null;
            }
            Rule? rule = admission.Match(context);
            entry.RuleId = rule?.Id;
            ExceededLimit? exceeded = rule is null ? null : admission.Ledger.Record(rule, context, at, entry.InputTokens, entry.OutputTokens, entry.CostUsd,
                request.Model, store.Prices.Find(request.Provider, request.Model), entry.Id);
            store.Add(entry);
            await admission.Ledger.DurableAsync();
            http.Response.Headers[TokenlayHeaderNames.RequestId] = entry.Id;
            var answer = new JsonObject
            {
                ["entry"] = EntryJson(entry),
                ["rule_id"] = entry.RuleId,
                ["limit_exceeded"] = exceeded is not null,
                ["limit"] = exceeded is null ? null : ProxyResponses.LimitJson(exceeded),
                ["limits"] = StandingJson(admission, context, request.Model),
            };
            return await Write(http, 201, answer);
        }

        public async Task ReserveAsync(HttpContext http)
        {
            (JsonObject? body, _, RequestError? error) = await JsonBody.ReadAsync(http, options);
            (BudgetRequest? request, RequestError? invalid) = body is null ? (null, error) : BudgetRequest.Read(body);
            if (request is null)
            {
                await ProxyResponses.WriteRequestErrorAsync(http, invalid!);
                return;
            }
            if (body!["estimate"] is not JsonObject estimateNode)
            {
                await ProxyResponses.WriteRequestErrorAsync(http, new RequestError(400,
                    "'estimate' is required: {\"input_tokens\": 1000, \"output_tokens\": 500} or {\"cost_usd\": 0.10}.", "missing_required_parameter", "estimate"));
                return;
            }
            (long? input, RequestError? e1) = BudgetRequest.Tokens(estimateNode, "input_tokens", "estimate.input_tokens");
            (long? output, RequestError? e2) = BudgetRequest.Tokens(estimateNode, "output_tokens", "estimate.output_tokens");
            (decimal? usd, RequestError? e3) = BudgetRequest.Usd(estimateNode, "cost_usd", "estimate.cost_usd");
            int ttl = DefaultTtlSeconds;
            RequestError? e4 = null;
            if (body["ttl_seconds"] is { } ttlNode && !(ttlNode is JsonValue tv && tv.TryGetValue(out ttl) && ttl is >= 1 and <= MaxTtlSeconds))
            {
                e4 = BudgetRequest.Invalid($"'ttl_seconds' must be a whole number from 1 to {MaxTtlSeconds}.", "ttl_seconds");
            }
            RequestError? e5 = input is null && output is null && usd is null
                ? BudgetRequest.Invalid("'estimate' needs input_tokens and output_tokens, or cost_usd.", "estimate")
                : null;
            if ((e1 ?? e2 ?? e3 ?? e4 ?? e5) is { } problem)
            {
                await ProxyResponses.WriteRequestErrorAsync(http, problem);
                return;
            }
            DateTimeOffset now = options.TimeProvider.GetUtcNow();
            Dictionary<string, object?> context = RuleContext.Build(request.Metadata, request.Model, request.Provider, store, now);
            labeling?.AddTo(context, null);
            if (admission.Ledger.Blocked(context) is { } blocked)
            {
                await ProxyResponses.WriteRefusalAsync(http, RuleAdmission.RefusedByBlock(blocked, request.Model, now));
                return;
            }
            Rule? rule = admission.Match(context);
            if (rule?.Then.Action == "block")
            {
                await ProxyResponses.WriteRefusalAsync(http, RuleAdmission.BlockedByRule(rule, request.Model, $"Calls like this are blocked by rule '{rule.Id}'."));
                return;
            }
            long? tokens = input is null && output is null ? null : (input ?? 0) + (output ?? 0);
            decimal? cost = usd ?? (tokens is null ? null : store.Prices.Find(request.Provider, rule?.Then.Model ?? request.Model)?.CostOf(input ?? 0, output ?? 0));
            (Reservation? reservation, ExceededLimit? exceeded, CreditRefusal? credits) = admission.Ledger.Reserve(rule, context, request.Metadata.Values, request.Model,
                new UsageEstimate(tokens, cost), TimeSpan.FromSeconds(ttl), input, output, store.Prices.Find(request.Provider, rule?.Then.Model ?? request.Model));
            if (credits is not null)
            {
                await ProxyResponses.WriteRefusalAsync(http, RuleAdmission.RefusedByCredits(rule!, request.Model, credits));
                return;
            }
            if (reservation is null)
            {
                ExceededLimit refusedBy = exceeded!; // Reserve gives one or the other
                await ProxyResponses.WriteRefusalAsync(http, new AdmissionOutcome(rule, "block", request.Model, Hold.None, [], [])
                {
                    Refused = true, Exceeded = refusedBy, Status = 429, ErrorType = TokenlayErrorCodes.LimitExceededType,
                    ErrorCode = RuleAdmission.DefaultErrorCode(refusedBy),
                    ErrorMessage = RuleAdmission.LimitMessage(refusedBy) + ": the reservation does not fit in what is left.",
                    // Reservations hold only token and cost limits, never concurrency: this is the time until the window resets.
                    RetryAfterSeconds = RuleAdmission.SecondsUntil(refusedBy, now),
                });
                return;
            }
            await admission.Ledger.DurableAsync();
            await Write(http, 201, ReservationJson(reservation));
        }

        public async Task CommitAsync(HttpContext http, string id)
        {
            (JsonObject? body, byte[] bytes, RequestError? error) = await JsonBody.ReadAsync(http, options);
            if (body is null)
            {
                await ProxyResponses.WriteRequestErrorAsync(http, error!);
                return;
            }
            if (admission.Ledger.Find(id) is not { } reservation)
            {
                await Results.Json(NotFoundBody(id), statusCode: 404).ExecuteAsync(http);
                return;
            }
            string? key = RequestMetadata.From(http.Request.Headers).IdempotencyKey;
            await Idempotent(http, key, Encoding.UTF8.GetBytes(id).Concat(bytes).ToArray(), async () =>
            {
                (long? input, RequestError? e1) = BudgetRequest.Tokens(body, "input_tokens", "input_tokens");
                (long? output, RequestError? e2) = BudgetRequest.Tokens(body, "output_tokens", "output_tokens");
                (decimal? cost, RequestError? e3) = BudgetRequest.Usd(body, "cost_usd", "cost_usd");
                if ((e1 ?? e2 ?? e3) is { } problem)
                {
                    await ProxyResponses.WriteRequestErrorAsync(http, problem);
                    return null;
                }
                var request = new BudgetRequest { Metadata = RequestMetadata.From(reservation.Metadata), Model = reservation.Model, Provider = "openai" };
                DateTimeOffset now = options.TimeProvider.GetUtcNow();
                CallLogEntry entry = NewEntry(request, "reservation", now, input ?? 0, output ?? 0, cost);
                entry.ReservationId = reservation.Id;
                entry.RuleId = reservation.Rule?.Id;
                Dictionary<string, object?> context = RuleContext.Build(request.Metadata, request.Model, request.Provider, store, now);
                ExceededLimit? exceeded = admission.Ledger.Commit(reservation, context, entry.InputTokens, entry.OutputTokens, entry.CostUsd, entry.Id,
                    store.Prices.Find(request.Provider, reservation.Model));
                store.Add(entry);
                await admission.Ledger.DurableAsync();
                http.Response.Headers[TokenlayHeaderNames.RequestId] = entry.Id;
                return await Write(http, 200, new JsonObject
                {
                    ["reservation"] = ReservationJson(reservation),
                    ["entry"] = EntryJson(entry),
                    ["rule_id"] = entry.RuleId,
                    ["limit_exceeded"] = exceeded is not null,
                    ["limit"] = exceeded is null ? null : ProxyResponses.LimitJson(exceeded),
                    ["limits"] = StandingJson(admission, context, reservation.Model),
                });
            });
        }

        private CallLogEntry NewEntry(BudgetRequest request, string source, DateTimeOffset at, long input, long output, decimal? cost)
        {
            (string id, long sequence) = store.NextId();
            RequestMetadata meta = request.Metadata;
            return new CallLogEntry
            {
                Id = id, Sequence = sequence, Timestamp = at, Endpoint = source == "recorded" ? "usage.records" : "reservations.commit", Source = source,
                User = meta["user"], Org = meta["org"], Plan = meta["plan"], Project = meta["project"], Feature = meta["feature"],
                Metadata = new Dictionary<string, string>(meta.Values), ModelRequested = request.Model, ModelUsed = request.Model, Provider = request.Provider,
                InputTokens = input, OutputTokens = output, CostUsd = cost ?? store.Prices.Find(request.Provider, request.Model)?.CostOf(input, output),
                Success = true, Counted = true, Status = 200, UsageSource = "reported",
            };
        }

        /// <summary>Runs <paramref name="run"/> once per idempotency key and replays its answer to retries (the proxy's own rules).</summary>
        private Task Idempotent(HttpContext http, string? key, byte[] fingerprintBody, Func<Task<StoredResponse?>> run) =>
            records.RunAsync(http, key,
                key is null ? "" : RequestFingerprint.Of(http.Request.Path, http.Request.Headers.Authorization.ToString(), new Dictionary<string, string>(), fingerprintBody),
                "idempotency_key", _ => run());
    }

    private static async Task<StoredResponse> Write(HttpContext http, int status, JsonObject body)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
        return StoredResponse.Of(http, bytes);
    }

    private static JsonNode EntryJson(CallLogEntry entry) => System.Text.Json.JsonSerializer.SerializeToNode(entry, EmulatorJson.Options)!;

    // Where each limit stands: a check's answer says it before the call, a record's after the usage.
    private static JsonArray LimitsJson(IEnumerable<LimitView> limits) => new(limits.Select(v => (JsonNode)new JsonObject
    {
        ["type"] = v.Limit.Type,
        ["window"] = v.Limit.Window,
        ["per"] = v.Limit.TrackingKey ?? v.Limit.Per,
        ["key"] = v.PerValue,
        ["current"] = v.Current,
        ["max"] = v.Limit.Max,
        ["remaining"] = v.Remaining,
        ["resets_at"] = Time(v.ResetsAt),
        ["exceeded"] = !v.Fits,
    }).ToArray());

    // The standing after a record or commit: the rule's limits asked about a call of nothing.
    private static JsonArray StandingJson(RuleAdmission admission, Dictionary<string, object?> context, string model) =>
        LimitsJson(admission.Check(context, model, _ => new UsageEstimate(0, 0m)).Limits);

    internal static JsonObject ReservationJson(Reservation r)
    {
        decimal HeldOf(LimitKind kind) => r.Remaining.Values.Where(v => v.Kind == kind).Select(v => v.Amount).DefaultIfEmpty(0).Max();
        return new JsonObject
        {
            ["id"] = r.Id,
            ["object"] = "reservation",
            ["status"] = r.Status,
            ["model"] = r.Model,
            ["rule_id"] = r.Rule?.Id,
            ["metadata"] = new JsonObject(r.Metadata.Select(m => new KeyValuePair<string, JsonNode?>(m.Key, m.Value))),
            // A part the reservation was not given holds nothing of that kind: it reads as zero, never null.
            ["estimate"] = new JsonObject { ["tokens"] = r.Estimate.Tokens ?? 0, ["cost_usd"] = r.Estimate.CostUsd ?? 0m },
            ["held"] = new JsonObject { ["tokens"] = (long)HeldOf(LimitKind.Tokens), ["cost_usd"] = HeldOf(LimitKind.Cost) },
            ["used"] = new JsonObject { ["tokens"] = r.UsedTokens, ["cost_usd"] = r.UsedCostUsd },
            ["calls"] = r.Calls,
            ["created_at"] = Time(r.CreatedAt),
            ["expires_at"] = Time(r.ExpiresAt),
        };
    }

    private static string? Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static IResult NotFound(string id) => Results.Json(NotFoundBody(id), statusCode: 404);

    private static JsonObject NotFoundBody(string id) =>
        ErrorResponses.Body($"No reservation has the id '{id}'.", "not_found", "reservation_not_found", "id");

    private static (long? Input, long? Output, RequestError? Error) TokenEstimate(JsonObject body)
    {
        if (body["estimate"] is null)
        {
            return (null, null, null);
        }
        if (body["estimate"] is not JsonObject estimate)
        {
            return (null, null, BudgetRequest.Invalid("'estimate' must be an object: {\"input_tokens\": 1000, \"output_tokens\": 500}.", "estimate"));
        }
        (long? input, RequestError? e1) = BudgetRequest.Tokens(estimate, "input_tokens", "estimate.input_tokens");
        (long? output, RequestError? e2) = BudgetRequest.Tokens(estimate, "output_tokens", "estimate.output_tokens");
        return (input, output ?? 0, e1 ?? e2);
    }
}
