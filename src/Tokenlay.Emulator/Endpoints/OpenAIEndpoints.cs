using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Pricing;
using Tokenlay.Emulator.Proxy;
using Tokenlay.Emulator.Upstream;

namespace Tokenlay.Emulator.Endpoints;

/// <summary>The OpenAI-compatible surface under <c>/v1</c>.</summary>
internal static class OpenAIEndpoints
{
    public static void Map(IEndpointRouteBuilder app, ProxyHandler proxy, UsageStore store, ResponseArchive? archive, string mode, IReadOnlyList<string> extraModels)
    {
        // Degraded, not down: a store that cannot be written keeps the emulator serving from memory.
        app.MapGet("/v1/health", () => Results.Json(store.PersistenceProblem is { } problem
                ? new JsonObject { ["status"] = "degraded", ["mode"] = mode, ["emulator"] = true, ["problem"] = problem }
                : new JsonObject { ["status"] = "ok", ["mode"] = mode, ["emulator"] = true }))
            .WithSummary("Liveness; needs no key. 'degraded' (with 'problem') when the store cannot be written.");
        app.MapPost("/v1/chat/completions", Handle(proxy, "chat/completions"))
            .WithSummary("OpenAI chat completions, JSON or SSE stream, metered and ruled.");
        app.MapPost("/v1/responses", Handle(proxy, "responses"))
            .WithSummary("OpenAI responses, JSON or SSE stream, metered and ruled.");
        app.MapGet("/v1/responses/{id}", (string id) => archive?.Find(id) is { } found
                ? Results.Json(found)
                : ResponseNotFound(id, archive))
            .WithSummary("A stored response (simulate mode keeps the last 1,000 created with store not false).");
        app.MapDelete("/v1/responses/{id}", (string id) => archive?.Delete(id) == true
                ? Results.Json(new JsonObject { ["id"] = id, ["object"] = "response", ["deleted"] = true })
                : ResponseNotFound(id, archive))
            .WithSummary("Deletes a stored response.");
        app.MapPost("/v1/completions", Handle(proxy, "completions"))
            .WithSummary("OpenAI legacy completions (prompt in, text out), JSON or SSE stream, metered and ruled.");
        app.MapPost("/v1/moderations", Handle(proxy, "moderations"))
            .WithSummary("OpenAI moderations (the simulated provider never flags), metered at no cost.");
        app.MapPost("/v1/embeddings", Handle(proxy, "embeddings"))
            .WithSummary("OpenAI embeddings, metered and ruled.");
        app.MapGet("/v1/models", () => Results.Json(new JsonObject { ["object"] = "list", ["data"] = new JsonArray(Models(store, extraModels).ToArray()) }))
            .WithSummary("The models the emulator serves: its price table and the dated snapshots it lists, price overrides and --models.");
        app.MapGet("/v1/models/{id}", (string id) => Models(store, extraModels).FirstOrDefault(m => string.Equals((string?)m["id"], id, System.StringComparison.OrdinalIgnoreCase)) is { } model
                || extraModels.Contains("*") && (model = Model(id, "emulator")) is not null
                ? Results.Json(model)
                : CompanionEndpoints.Error(404, $"The model '{id}' does not exist.", TokenlayErrorCodes.InvalidRequestType, TokenlayErrorCodes.ModelNotFound, "model"))
            .WithSummary("One model.");
    }

    private static IResult ResponseNotFound(string id, ResponseArchive? archive) => CompanionEndpoints.Error(404,
        archive is null
            ? $"Response '{id}' is not kept here: in forward mode the provider stores responses; ask it directly."
            : $"No response with id '{id}' found.",
        "invalid_request_error", "response_not_found", "id");

    // A Func rather than a RequestDelegate, so the route shows in the OpenAPI document.
    private static System.Func<HttpContext, System.Threading.Tasks.Task> Handle(ProxyHandler proxy, string endpoint) =>
        http => proxy.HandleAsync(http, endpoint);

    private static IEnumerable<JsonNode> Models(UsageStore store, IReadOnlyList<string> extraModels) =>
        PriceTable.Defaults.SelectMany(p => p.Value.Keys.Select(model => Model(model, p.Key)))
            .Concat(PriceTable.Snapshots.SelectMany(p => p.Value.Keys.Select(model => Model(model, p.Key))))
            .Concat(store.Prices.Overrides.SelectMany(p => p.Value.Keys.Select(model => Model(model, p.Key))))
            .Concat(extraModels.Where(m => m != "*").Select(m => Model(m, "emulator")));

    private static JsonNode Model(string id, string owner) => new JsonObject { ["id"] = id, ["object"] = "model", ["created"] = 0, ["owned_by"] = owner };
}
