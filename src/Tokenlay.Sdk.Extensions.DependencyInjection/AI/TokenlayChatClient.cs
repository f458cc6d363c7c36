using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.AI;

namespace Tokenlay.AI;

/// <summary>
/// Microsoft.Extensions.AI middleware for an <see cref="IChatClient"/> built on a Tokenlay-routed
/// <c>OpenAIClient</c>: it applies the context of <see cref="TokenlayChatExtensions.WithTokenlayContext"/>
/// to every HTTP call the request makes (each round trip of a function-invocation loop, the whole
/// enumeration of a stream), and puts what Tokenlay reported on the response
/// (<see cref="TokenlayChatExtensions.GetTokenlayInfo(ChatResponse)"/>). Place it outermost, first
/// in the builder, so that it sees every round trip; <c>AddTokenlay(...).AddChatClient(model)</c>
/// does that for you.
/// </summary>
public class TokenlayChatClient : DelegatingChatClient
{
    /// <summary>Wraps <paramref name="innerClient"/>.</summary>
    /// <param name="innerClient">The client to wrap, for example <c>openAIClient.GetChatClient(model).AsIChatClient()</c>.</param>
    public TokenlayChatClient(IChatClient innerClient)
        : base(innerClient)
    {
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var collector = new TokenlayResponseCollector();
        ChatResponse response;
        using (TokenlayScope.Begin(TokenlayChatExtensions.CallScope(options, collector)))
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        if (collector.Combined() is { } info)
        {
            (response.AdditionalProperties ??= new AdditionalPropertiesDictionary())[TokenlayChatExtensions.ResponseInfoKey] = info;
        }
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var collector = new TokenlayResponseCollector();
        TokenlayResolvedContext scope = TokenlayChatExtensions.CallScope(options, collector);
        IAsyncEnumerator<ChatResponseUpdate> updates;
        using (TokenlayScope.Begin(scope))
        {
            updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        try
        {
            while (true)
            {
                // An async iterator does not keep ambient values across a yield, and the inner stream
                // may send a request on any MoveNext (the next round trip of a tool loop): enter the
                // context around each one.
                bool more;
                using (TokenlayScope.Begin(scope))
                {
                    more = await updates.MoveNextAsync().ConfigureAwait(false);
                }
                if (!more)
                {
                    break;
                }
                yield return updates.Current;
            }
        }
        finally
        {
            await updates.DisposeAsync().ConfigureAwait(false);
        }
        if (collector.Combined() is { } info)
        {
            // The final update carries the figures; merged into a ChatResponse it adds no content.
            yield return new ChatResponseUpdate
            {
                AdditionalProperties = new AdditionalPropertiesDictionary { [TokenlayChatExtensions.ResponseInfoKey] = info },
            };
        }
    }
}
