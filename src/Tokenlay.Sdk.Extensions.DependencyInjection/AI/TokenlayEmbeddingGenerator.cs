using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Tokenlay.AI;

/// <summary>
/// Microsoft.Extensions.AI middleware for an embedding generator built on a Tokenlay-routed
/// <c>OpenAIClient</c>: puts what Tokenlay reported on the result
/// (<see cref="TokenlayChatExtensions.GetTokenlayInfo(GeneratedEmbeddings{Embedding{float}})"/>).
/// Attribution comes from the ambient <see cref="TokenlayScope"/>.
/// </summary>
public class TokenlayEmbeddingGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>Wraps <paramref name="innerGenerator"/>.</summary>
    /// <param name="innerGenerator">The generator to wrap, for example <c>openAIClient.GetEmbeddingClient(model).AsIEmbeddingGenerator()</c>.</param>
    public TokenlayEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> innerGenerator)
        : base(innerGenerator)
    {
    }

    /// <inheritdoc />
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var collector = new TokenlayResponseCollector();
        GeneratedEmbeddings<Embedding<float>> result;
        using (TokenlayScope.Begin(collector.Context))
        {
            result = await base.GenerateAsync(values, options, cancellationToken).ConfigureAwait(false);
        }
        if (collector.Combined() is { } info)
        {
            (result.AdditionalProperties ??= new AdditionalPropertiesDictionary())[TokenlayChatExtensions.ResponseInfoKey] = info;
        }
        return result;
    }
}
