using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tokenlay.Emulator.Endpoints;
using Tokenlay.Emulator.Idempotency;
using Tokenlay.Emulator.Proxy;

namespace Tokenlay.Emulator.Keys;

/// <summary>
/// <c>/v1/keys</c>: connect, list, read, rotate, validate and revoke customers' provider keys, and
/// read a key's events. No answer ever carries a secret: keys show <c>key_hint</c> (its last four characters).
/// </summary>
internal static class KeyEndpoints
{
    public const int DefaultPageSize = TokenlayPageSizes.DefaultKeys, MaxPageSize = TokenlayPageSizes.MaxKeys;

    public static void Map(IEndpointRouteBuilder app, KeyVault vault, KeyValidator? validator, TokenlayEmulatorOptions options, IIdempotencyJournal? answers)
    {
        var connects = new IdempotencyStore(options.TimeProvider, options.IdempotencyKeyLifetime, options.MaxIdempotencyKeys, answers, "keys");
        var handlers = new Handlers(vault, validator, options, connects);
        app.MapPost("/v1/keys", (Func<HttpContext, Task>)handlers.ConnectAsync)
            .WithSummary("Connects a customer's provider key {ref_id, provider, key, base_url?, config?, label?, validate?}: 201 with the key (key_hint only, never the secret); 409 key_already_connected. Idempotent by idempotency_key.")
            .Accepts<KeyConnectBody>("application/json").Produces<ConnectedKeyView>(StatusCodes.Status201Created);
        app.MapGet("/v1/keys", (HttpContext http) => handlers.List(http))
            .WithSummary("Connected keys, oldest first, filtered by ref_id, provider and status; paged with limit and next_cursor.")
            .Produces<ConnectedKeyPage>();
        app.MapGet("/v1/keys/{id}", (string id) => vault.Get(id) is { } key ? Results.Json(key) : NotFound(id))
            .WithSummary("One connected key (never its secret).")
            .Produces<ConnectedKeyView>();
        app.MapPut("/v1/keys/{id}", (Func<HttpContext, string, Task>)handlers.RotateAsync)
            .WithSummary("Rotates the key's secret {key, validate?}: the old one is erased; validated like a connect. Idempotent.")
            .Accepts<KeyRotateBody>("application/json").Produces<ConnectedKeyView>();
        app.MapPost("/v1/keys/{id}/validate", (Func<HttpContext, string, Task>)handlers.ValidateAsync)
            .WithSummary("Asks the provider whether it accepts the key now (--forward; unverified in simulated mode) and records the outcome.")
            .Produces<ConnectedKeyView>();
        app.MapDelete("/v1/keys/{id}", (string id) => vault.Revoke(id) is { } key ? Results.Json(key) : NotFound(id))
            .WithSummary("Revokes the key: its secret is erased and calls naming it get 403 key_revoked. Idempotent.")
            .Produces<ConnectedKeyView>();
        app.MapGet("/v1/keys/{id}/events", (HttpContext http, string id) => handlers.Events(http, id))
            .WithSummary("The key's audit events (connected, validated, rotated, revoked, used), oldest first, paged.")
            .Produces<KeyEventPage>();
    }

    private sealed class Handlers(KeyVault vault, KeyValidator? validator, TokenlayEmulatorOptions options, IdempotencyStore connects)
    {
        public async Task ConnectAsync(HttpContext http)
        {
            (JsonObject? body, byte[] bytes, RequestError? error) = await JsonBody.ReadAsync(http, options);
            if (body is null)
            {
                await ProxyResponses.WriteRequestErrorAsync(http, error!);
                return;
            }
            string? key = body["idempotency_key"] is JsonValue k && k.TryGetValue(out string? text) ? text : RequestMetadata.From(http.Request.Headers).IdempotencyKey;
            if (body["idempotency_key"] is not null && key is null or { Length: 0 or > 255 })
            {
                await ProxyResponses.WriteRequestErrorAsync(http, KeyConnection.Invalid("'idempotency_key' must be a string of 1 to 255 characters.", "idempotency_key"));
                return;
            }
            string fingerprint = key is null ? "" : RequestFingerprint.Of(http.Request.Path, http.Request.Headers.Authorization.ToString(), new Dictionary<string, string>(), bytes);
            await connects.RunAsync(http, key, fingerprint, "idempotency_key", _ => ConnectCoreAsync(http, body));
        }

        private async Task<StoredResponse?> ConnectCoreAsync(HttpContext http, JsonObject body)
        {
            (KeyConnection? connection, RequestError? invalid) = KeyConnection.Read(body);
            if (connection is null)
            {
                await ProxyResponses.WriteRequestErrorAsync(http, invalid!);
                return null;
            }
            if (!vault.TryBeginConnect(connection.RefId, connection.Provider))
            {
                await ErrorResponses.WriteAsync(http, 409,
                    $"'{connection.RefId}' already has a {connection.Provider} key connected: rotate it with PUT /v1/keys/{{id}}, or revoke it first.",
                    "conflict_error", "key_already_connected", "ref_id");
                return null;
            }
            try
            {
                KeyValidation validation = await ValidateAsync(KeyVault.Preview(connection), connection.Validate, http);
                if (await RefusedAsync(http, connection.Provider, validation))
                {
                    return null;
                }
                return await Write(http, 201, vault.Add(connection, validation));
            }
            finally
            {
                vault.EndConnect(connection.RefId, connection.Provider);
            }
        }

        public async Task RotateAsync(HttpContext http, string id)
        {
            (JsonObject? body, _, RequestError? error) = await JsonBody.ReadAsync(http, options);
            (string? secret, RequestError? badKey) = body is null ? (null, error) : KeyConnection.ReadSecret(body);
            if (secret is null)
            {
                await ProxyResponses.WriteRequestErrorAsync(http, badKey!);
                return;
            }
            bool validate = body!["validate"]?.GetValueKind() != System.Text.Json.JsonValueKind.False;
            if (vault.Get(id) is not { } current)
            {
                await NotFound(id).ExecuteAsync(http);
                return;
            }
            if ((string?)current["status"] == KeyStatus.Revoked)
            {
                await Revoked(http, id);
                return;
            }
            ResolvedKey? opened = vault.Open(id);
            if (opened is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(opened.Secret), Encoding.UTF8.GetBytes(secret)))
            {
                // The same secret again: a retry of a rotation that already happened.
                await Write(http, 200, current);
                return;
            }
            var candidate = new ResolvedKey(id, (string)current["ref_id"]!, (string)current["provider"]!, secret, (string)current["base_url"]!,
                (string?)current["config"]?["deployment"], (string?)current["config"]?["api_version"]);
            KeyValidation validation = await ValidateAsync(candidate, validate, http);
            if (await RefusedAsync(http, candidate.Provider, validation))
            {
                return;
            }
            (JsonObject? rotated, bool revoked) = vault.Rotate(id, secret, validation);
            if (revoked)
            {
                await Revoked(http, id);
                return;
            }
            await Write(http, 200, rotated!);
        }

        public async Task ValidateAsync(HttpContext http, string id)
        {
            if (vault.Get(id) is not { } current)
            {
                await NotFound(id).ExecuteAsync(http);
                return;
            }
            if (vault.Open(id) is not { } opened)
            {
                await Revoked(http, id);
                return;
            }
            KeyValidation validation = await ValidateAsync(opened, validate: true, http);
            JsonObject key = vault.Validated(id, validation) ?? current;
            key["validation"] = new JsonObject { ["outcome"] = validation.Outcome, ["provider_status"] = validation.ProviderStatus, ["detail"] = validation.Detail };
            await Write(http, 200, key);
        }

        public IResult List(HttpContext http)
        {
            IQueryCollection q = http.Request.Query;
            string? provider = q.TryGetValue("provider", out var p) ? p.ToString() : null;
            if (provider is not null && KeyProviders.Parse(provider) is null)
            {
                return CompanionEndpoints.Error(400, $"'provider' must be one of {string.Join(", ", KeyProviders.All)}.", "invalid_request_error", "invalid_value", "provider");
            }
            string? status = q.TryGetValue("status", out var s) ? s.ToString() : null;
            if (status is not null && !KeyStatus.All.Contains(status))
            {
                return CompanionEndpoints.Error(400, $"'status' must be one of {string.Join(", ", KeyStatus.All)}.", "invalid_request_error", "invalid_value", "status");
            }
            if (!Page(q, out int limit, out long after, out IResult? error))
            {
                return error!;
            }
            List<(long Sequence, JsonObject Key)> keys = vault.List(q.TryGetValue("ref_id", out var r) ? r.ToString() : null, provider, status, after, limit);
            return Paged(keys, limit);
        }

        public IResult Events(HttpContext http, string id)
        {
            if (!Page(http.Request.Query, out int limit, out long after, out IResult? error))
            {
                return error!;
            }
            return vault.Events(id, after, limit) is { } events ? Paged(events, limit) : NotFound(id);
        }

        private async Task<KeyValidation> ValidateAsync(ResolvedKey key, bool validate, HttpContext http) =>
            validate && validator is not null ? await validator.ValidateAsync(key, http.RequestAborted) : KeyValidation.Unverified;

        /// <summary>A key the provider refused, or a provider that could not say, stops a connect or a rotation.</summary>
        private static async Task<bool> RefusedAsync(HttpContext http, string provider, KeyValidation validation)
        {
            switch (validation.Outcome)
            {
                case "invalid":
                    await ErrorResponses.WriteAsync(http, 400, $"{provider} refused the key: {validation.Detail}", "invalid_request_error", "invalid_provider_key", "key");
                    return true;
                case "error":
                    await ErrorResponses.WriteAsync(http, 502, $"The key could not be validated: {validation.Detail}. Retry, or connect with \"validate\": false.",
                        "provider_error", "provider_unavailable", null, "provider");
                    return true;
                default:
                    return false;
            }
        }
    }

    private static bool Page(IQueryCollection q, out int limit, out long after, out IResult? error)
    {
        limit = DefaultPageSize;
        after = 0;
        error = null;
        if (q.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxPageSize))
        {
            error = CompanionEndpoints.Error(400, $"'limit' must be a whole number from 1 to {MaxPageSize}.", "invalid_request_error", "invalid_value", "limit");
            return false;
        }
        if (q.TryGetValue("cursor", out var cursor) && !TryDecode(cursor.ToString(), out after))
        {
            error = CompanionEndpoints.Error(400, "'cursor' is not a cursor this server gave out; pass next_cursor from the previous page.", "invalid_request_error", "invalid_cursor", "cursor");
            return false;
        }
        return true;
    }

    private static IResult Paged(List<(long Sequence, JsonObject Item)> items, int limit)
    {
        string? next = items.Count > limit ? Encode(items[limit - 1].Sequence) : null;
        return Results.Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(items.Take(limit).Select(i => (JsonNode)i.Item).ToArray()),
            ["next_cursor"] = next,
        });
    }

    private static string Encode(long sequence) => "c" + sequence.ToString("x", CultureInfo.InvariantCulture);

    private static bool TryDecode(string cursor, out long sequence)
    {
        sequence = 0;
        return cursor.StartsWith('c') && long.TryParse(cursor.AsSpan(1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out sequence) && sequence > 0;
    }

    private static IResult NotFound(string id) =>
        Results.Json(ErrorResponses.Body($"No connected key has the id '{id}'.", "not_found", "key_not_found", "id"), statusCode: 404);

    private static Task Revoked(HttpContext http, string id) =>
        ErrorResponses.WriteAsync(http, 409, $"The key '{id}' is revoked: connect a new one with POST /v1/keys.", TokenlayErrorCodes.ConflictType, TokenlayErrorCodes.KeyRevoked, "id");

    private static async Task<StoredResponse> Write(HttpContext http, int status, JsonObject body)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted);
        return StoredResponse.Of(http, bytes);
    }
}
