using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace Tokenlay.Pipeline;

/// <summary>
/// Writes the call's Tokenlay headers: the provider key and base (or a customer's key ref), metadata
/// and extra headers (per call beats scope beats defaults), one idempotency key, and the request for
/// a stream summary when someone listens; and it decides who takes the call's report. It is the
/// outermost Tokenlay policy and runs once per call, so every retry carries the same headers.
/// </summary>
internal sealed class TokenlayRequestHeadersPolicy : PipelinePolicy
{
    private readonly TokenlaySettingsSource _source;

    public TokenlayRequestHeadersPolicy(TokenlaySettingsSource source)
    {
        _source = source;
    }

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        Apply(message);
        ProcessNext(message, pipeline, currentIndex);
    }

    public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        Apply(message);
        return ProcessNextAsync(message, pipeline, currentIndex);
    }

    private void Apply(PipelineMessage message)
    {
        TokenlaySettings settings = _source.Current;
        TokenlayResolvedContext? scope = TokenlayScope.Current;
        TokenlayResolvedContext defaults = settings.Defaults;
        PipelineRequestHeaders headers = message.Request.Headers;
        // A header already on the request came from RequestOptions (per call): it wins, so only fill gaps.
        if (scope is not null)
        {
            SetMissing(headers, scope.Headers);
        }
        SetMissing(headers, defaults.Headers);
        // One credential per call: a key ref (per call or scope) and a provider key never go together.
        bool perCallKeyRef = headers.TryGetValue(TokenlayHeaderNames.KeyRef, out _);
        bool perCallKey = headers.TryGetValue(TokenlayHeaderNames.ProviderKey, out _);
        string? scopeKeyRef = perCallKey ? null : scope?.KeyRef;
        if (perCallKeyRef)
        {
            // The call named its customer (and provider, if any) itself.
        }
        else if (scopeKeyRef is not null)
        {
            headers.Set(TokenlayHeaderNames.KeyRef, scopeKeyRef);
            SetIfMissing(headers, TokenlayHeaderNames.KeyProvider, scope!.KeyProvider);
        }
        else
        {
            // Each header name is looked up once: a lookup in HttpClient's headers costs as much as a set.
            if (!perCallKey && (scope?.ProviderApiKey ?? defaults.ProviderApiKey) is { } providerKey)
            {
                headers.Set(TokenlayHeaderNames.ProviderKey, providerKey);
            }
            SetIfMissing(headers, TokenlayHeaderNames.ProviderBase, scope?.ProviderApiBase ?? defaults.ProviderApiBase);
        }
        if (!headers.TryGetValue(TokenlayHeaderNames.IdempotencyKey, out _))
        {
            headers.Set(TokenlayHeaderNames.IdempotencyKey, IdempotencyKeys.Next());
        }
        // Who takes the report is known now; a streamed reply's headers go out before its usage exists,
        // so when someone listens, ask the proxy for a final tokenlay.summary event (callers that do not
        // ask get byte-identical streams).
        if (TokenlayReportListener.Attach(message, settings, scope?.Callbacks, TokenlayRequestOptionsExtensions.PerCallContextPolicy.From(message)?.Context.Callbacks)
            && !message.BufferResponse)
        {
            headers.Set(TokenlayHeaderNames.StreamSummary, "event");
        }
    }

    private static void SetMissing(PipelineRequestHeaders headers, KeyValuePair<string, string>[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            SetIfMissing(headers, values[i].Key, values[i].Value);
        }
    }

    private static void SetIfMissing(PipelineRequestHeaders headers, string name, string? value)
    {
        if (value is not null && !headers.TryGetValue(name, out _))
        {
            headers.Set(name, value);
        }
    }
}
