using System;
using Microsoft.Extensions.AI;
using Tokenlay.AI;

namespace Tokenlay;

/// <summary>Tokenlay context in and response info out, for Microsoft.Extensions.AI clients built on a Tokenlay <c>OpenAIClient</c>.</summary>
public static class TokenlayChatExtensions
{
    /// <summary>The key under which the per-call context travels in <see cref="ChatOptions.AdditionalProperties"/>.</summary>
    internal const string RequestContextKey = "Tokenlay.RequestContext";

    /// <summary>The key under which response info is put in a result's <c>AdditionalProperties</c>.</summary>
    internal const string ResponseInfoKey = "Tokenlay.ResponseInfo";

    /// <summary>
    /// Attributes the calls made for these options (every round trip of a function-invocation
    /// loop, the whole enumeration of a stream) with <paramref name="context"/>. It applies on top
    /// of any ambient <see cref="TokenlayScope"/>, as the innermost layer: per-call values win, key
    /// by key. Needs <see cref="TokenlayChatClient"/> in the pipeline (<c>UseTokenlay()</c>).
    /// </summary>
    /// <param name="options">The chat options of the call.</param>
    /// <param name="context">The attribution; validated now, so a bad header value fails here, naming the key.</param>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">A header name or value in the context is invalid.</exception>
    public static ChatOptions WithTokenlayContext(this ChatOptions options, TokenlayRequestContext context)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }
        if (context is null)
        {
            throw new ArgumentNullException(nameof(context));
        }
        (options.AdditionalProperties ??= new AdditionalPropertiesDictionary())[RequestContextKey] = new TokenlayCallContext(TokenlayResolvedContext.FromContext(context));
        return options;
    }

    /// <summary>
    /// What Tokenlay reported for this response: with function invocation, the cost and tokens
    /// summed over every round trip (null when any round trip's figure is unknown), the last rule
    /// and model, and all warnings. Null when the response did not pass through <see cref="TokenlayChatClient"/>.
    /// <see cref="ChatResponse.Usage"/> stays as the provider reported it.
    /// </summary>
    public static TokenlayResponseInfo? GetTokenlayInfo(this ChatResponse response) =>
        Find(response?.AdditionalProperties);

    /// <summary>What Tokenlay reported, on the final update of a stream (null on the others).</summary>
    public static TokenlayResponseInfo? GetTokenlayInfo(this ChatResponseUpdate update) =>
        Find(update?.AdditionalProperties);

    /// <summary>What Tokenlay reported for an embeddings call made through <see cref="TokenlayEmbeddingGenerator"/>.</summary>
    public static TokenlayResponseInfo? GetTokenlayInfo(this GeneratedEmbeddings<Embedding<float>> embeddings) =>
        Find(embeddings?.AdditionalProperties);

    internal static TokenlayResolvedContext? PerCallContext(ChatOptions? options) =>
        options?.AdditionalProperties is { } properties && properties.TryGetValue(RequestContextKey, out object? value) ? (value as TokenlayCallContext)?.Resolved : null;

    /// <summary>
    /// The scope a call runs in: its per-call context (if any) with the collector laid over it, merged
    /// once, as nested scopes would be (per-call headers on top of the ambient scope; the collector's
    /// callback first, then the context's own).
    /// </summary>
    internal static TokenlayResolvedContext CallScope(ChatOptions? options, TokenlayResponseCollector collector) =>
        PerCallContext(options) is { } perCall ? perCall.Overlay(collector.Context) : collector.Context;

    private static TokenlayResponseInfo? Find(AdditionalPropertiesDictionary? properties) =>
        properties is not null && properties.TryGetValue(ResponseInfoKey, out object? value) ? value as TokenlayResponseInfo : null;
}
