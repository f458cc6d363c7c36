using System;
using Microsoft.Extensions.AI;
using Tokenlay.AI;

namespace Tokenlay;

/// <summary>Adds Tokenlay to Microsoft.Extensions.AI pipelines built on a Tokenlay-routed <c>OpenAIClient</c>.</summary>
public static class TokenlayChatClientBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="TokenlayChatClient"/>: per-call context from
    /// <see cref="TokenlayChatExtensions.WithTokenlayContext"/> in, response info
    /// (<see cref="TokenlayChatExtensions.GetTokenlayInfo(ChatResponse)"/>) out. Call it first, so it
    /// is outermost and sees every round trip of a function-invocation loop.
    /// </summary>
    public static ChatClientBuilder UseTokenlay(this ChatClientBuilder builder) =>
        (builder ?? throw new ArgumentNullException(nameof(builder))).Use(inner => new TokenlayChatClient(inner));

    /// <summary>Adds <see cref="TokenlayEmbeddingGenerator"/>: response info on every result.</summary>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> UseTokenlay(this EmbeddingGeneratorBuilder<string, Embedding<float>> builder) =>
        (builder ?? throw new ArgumentNullException(nameof(builder))).Use(inner => new TokenlayEmbeddingGenerator(inner));
}
