using System;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tokenlay.Emulator.Tokens;

namespace Tokenlay.Emulator.Proxy;

/// <summary>
/// One proxied call, read and validated: everything later stages need, so none of them has to
/// look at the raw request again or can meet a shape it does not expect. It is immutable: a rule
/// that changes the model or its parameters, or a hold that caps the output, makes a new call with
/// <see cref="With"/> or <see cref="WithOutputCap"/>, so the hold, the provider and the
/// plausibility check of its usage always see the same numbers.
/// </summary>
internal sealed class ProxyCall
{
    private static readonly string[] s_capFields = ["max_completion_tokens", "max_tokens", "max_output_tokens"];

    /// <summary>The OpenAI path under /v1: <c>chat/completions</c>, <c>responses</c>, <c>completions</c>, <c>moderations</c> or <c>embeddings</c>.</summary>
    public required string Endpoint { get; init; }

    /// <summary>The body to send upstream. Never changed in place: see <see cref="With"/>.</summary>
    public required JsonObject Body { get; init; }

    /// <summary>The body exactly as sent, for the idempotency fingerprint.</summary>
    public required byte[] RawBody { get; init; }

    /// <summary>The model that will serve the call (the one asked for, until a rule changes it).</summary>
    public required string Model { get; init; }

    public required bool Stream { get; init; }

    /// <summary>Whether the caller asked for the usage chunk of a chat stream.</summary>
    public required bool IncludeUsage { get; init; }

    /// <summary><c>max_completion_tokens</c>, <c>max_tokens</c> or <c>max_output_tokens</c>, per choice, when given.</summary>
    public required long? MaxOutputTokens { get; init; }

    /// <summary><c>n</c>: how many choices the call asks for.</summary>
    public int Choices { get; init; } = 1;

    /// <summary>The prompt's tokens with <see cref="Model"/>'s tokenizer, counted once.</summary>
    public required long InputTokens { get; init; }

    public required RequestMetadata Metadata { get; init; }

    /// <summary>Whether the call produces output (embeddings and moderations do not).</summary>
    public bool Generates => Endpoint is not ("embeddings" or "moderations");

    /// <summary>
    /// The typed fields read from <paramref name="body"/>; output caps above what the model produces are
    /// clamped. <paramref name="inputTokens"/> is the prompt's count when known already; counted here otherwise.
    /// </summary>
    public static ProxyCall Of(string endpoint, JsonObject body, byte[] raw, RequestMetadata metadata, long? inputTokens = null)
    {
        string model = body["model"]!.GetValue<string>();
        long? cap = null;
        foreach (string field in s_capFields)
        {
            if (cap is null && body[field] is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long max))
            {
                cap = Math.Clamp(max, 1, OutputCaps.For(model));
            }
        }
        return new ProxyCall
        {
            Endpoint = endpoint,
            Body = body,
            RawBody = raw,
            Model = model,
            Stream = endpoint is not ("embeddings" or "moderations") && body["stream"]?.GetValueKind() == JsonValueKind.True,
            IncludeUsage = body["stream_options"]?["include_usage"]?.GetValueKind() == JsonValueKind.True,
            MaxOutputTokens = cap,
            Choices = body["n"] is JsonValue n && n.TryGetValue(out int choices) ? Math.Clamp(choices, 1, RequestReader.MaxChoices) : 1,
            InputTokens = inputTokens ?? TokenCounter.CountInput(endpoint, body, model),
            Metadata = metadata,
        };
    }

    /// <summary>The call served by <paramref name="model"/> with a rule's <paramref name="parameters"/> set over the caller's.</summary>
    public ProxyCall With(string model, JsonObject? parameters)
    {
        if (model == Model && parameters is null)
        {
            return this;
        }
        var body = (JsonObject)Body.DeepClone();
        body["model"] = model;
        foreach ((string name, JsonNode? value) in parameters ?? [])
        {
            // The rule's model_params override what the caller sent, as the rules engine applies them.
            body[name] = value?.DeepClone();
        }
        // The prompt is counted again only when the tokenizer or the prompt may differ.
        bool samePrompt = TokenCounter.SameTokenizer(Model, model) && !(parameters?.ContainsKey("messages") ?? false) && !(parameters?.ContainsKey("input") ?? false);
        return Of(Endpoint, body, RawBody, Metadata, samePrompt ? InputTokens : null);
    }

    /// <summary>The call with its output capped at <paramref name="perChoice"/> tokens per choice: what its hold allows.</summary>
    public ProxyCall WithOutputCap(long perChoice)
    {
        var body = (JsonObject)Body.DeepClone();
        string field = Endpoint switch
        {
            "responses" => "max_output_tokens",
            "completions" => "max_tokens",
            // Reasoning models refuse max_tokens; OpenAI-compatible servers all know max_tokens.
            _ => body.ContainsKey("max_completion_tokens") || Model.StartsWith('o') || Model.StartsWith("gpt-5", StringComparison.OrdinalIgnoreCase)
                ? "max_completion_tokens" : "max_tokens",
        };
        body[field] = perChoice;
        return Of(Endpoint, body, RawBody, Metadata, InputTokens);
    }
}
