using System;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using Tokenlay.Pipeline;

namespace Tokenlay;

/// <summary>Per-call Tokenlay context for the OpenAI library's protocol methods.</summary>
public static class TokenlayRequestOptionsExtensions
{
    /// <summary>
    /// Applies <paramref name="context"/> to the call made with <paramref name="options"/>. Values set
    /// here win over every <see cref="TokenlayScope"/> and over the client's defaults. It also lets
    /// the Tokenlay pipeline honour <see cref="RequestOptions.ErrorOptions"/>: with
    /// <see cref="System.ClientModel.Primitives.ClientErrorBehaviors.NoThrow"/> an error response is returned
    /// rather than thrown (without this call the Tokenlay pipeline cannot see that setting and
    /// throws the typed exception).
    /// </summary>
    /// <returns><paramref name="options"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">A header name or value in the context is invalid (the message names the key).</exception>
    public static RequestOptions AddTokenlayContext(this RequestOptions options, TokenlayRequestContext context)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }
        TokenlayResolvedContext resolved = TokenlayResolvedContext.FromContext(context);
        foreach (KeyValuePair<string, string> header in resolved.Headers)
        {
            options.SetHeader(header.Key, header.Value);
        }
        if (resolved.ProviderApiKey is not null)
        {
            options.SetHeader(TokenlayHeaderNames.ProviderKey, resolved.ProviderApiKey);
        }
        if (resolved.KeyRef is not null)
        {
            options.SetHeader(TokenlayHeaderNames.KeyRef, resolved.KeyRef);
            if (resolved.KeyProvider is not null)
            {
                options.SetHeader(TokenlayHeaderNames.KeyProvider, resolved.KeyProvider);
            }
        }
        if (resolved.ProviderApiBase is not null)
        {
            options.SetHeader(TokenlayHeaderNames.ProviderBase, resolved.ProviderApiBase);
        }
        options.AddPolicy(new PerCallContextPolicy(options, resolved), PipelinePosition.PerCall);
        return options;
    }

    /// <summary>Carries the call's options and callbacks to the Tokenlay policies (<see cref="Pipeline.TokenlayRequestHeadersPolicy"/>, <see cref="Pipeline.TokenlayReportPolicy"/>, <see cref="Pipeline.TokenlayErrorPolicy"/>) through the message.</summary>
    internal sealed class PerCallContextPolicy : PipelinePolicy
    {
        public PerCallContextPolicy(RequestOptions options, TokenlayResolvedContext context)
        {
            Options = options;
            Context = context;
        }

        public RequestOptions Options { get; }

        public TokenlayResolvedContext Context { get; }

        public static PerCallContextPolicy? From(PipelineMessage message) =>
            message.TryGetProperty(typeof(PerCallContextPolicy), out object? value) ? value as PerCallContextPolicy : null;

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.SetProperty(typeof(PerCallContextPolicy), this);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override System.Threading.Tasks.ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.SetProperty(typeof(PerCallContextPolicy), this);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }
    }
}
