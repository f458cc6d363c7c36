using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;

namespace Tokenlay.Pipeline;

/// <summary>
/// The per-call policy that makes an OpenAI client a Tokenlay client. Before the call it adds the
/// provider key and base, metadata and extra headers (per-call values beat scopes beat defaults)
/// and one idempotency key; being per-call, it runs once, so every retry carries the same headers.
/// After the last retry it reports the response and turns errors into typed exceptions.
/// </summary>
/// <remarks>
/// It never reads a successful body, so a streamed reply reaches the caller chunk by chunk.
/// </remarks>
internal sealed class TokenlayPipelinePolicy : PipelinePolicy
{
    private readonly TokenlaySettingsSource _source;

    public TokenlayPipelinePolicy(TokenlaySettingsSource source)
    {
        _source = source;
    }

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        // Settings are read once per call: a configuration reload applies between calls, never within one.
        TokenlaySettings settings = _source.Current;
        long started = Stopwatch.GetTimestamp();
        TokenlayResolvedContext? scope = TokenlayScope.Current;
        ApplyHeaders(message.Request.Headers, scope, settings);
        AskForStreamSummary(message, scope, settings);
        try
        {
            ProcessNext(message, pipeline, currentIndex);
        }
        catch (Exception exception) when (TokenlayFailures.Translate(settings, message, exception, Redactor(message, settings)) is { } typed)
        {
            throw typed;
        }
        if (OnResponse(message, scope, settings, started) is { } response)
        {
            throw TokenlayFailures.FromErrorResponse(settings, message, response, Redactor(message, settings));
        }
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        // Settings are read once per call: a configuration reload applies between calls, never within one.
        TokenlaySettings settings = _source.Current;
        long started = Stopwatch.GetTimestamp();
        TokenlayResolvedContext? scope = TokenlayScope.Current;
        ApplyHeaders(message.Request.Headers, scope, settings);
        AskForStreamSummary(message, scope, settings);
        try
        {
            await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
        }
        catch (Exception exception) when (TokenlayFailures.Translate(settings, message, exception, Redactor(message, settings)) is { } typed)
        {
            throw typed;
        }
        if (OnResponse(message, scope, settings, started) is { } response)
        {
            throw await TokenlayFailures.FromErrorResponseAsync(settings, message, response, Redactor(message, settings)).ConfigureAwait(false);
        }
    }

    private static void ApplyHeaders(PipelineRequestHeaders headers, TokenlayResolvedContext? scope, TokenlaySettings settings)
    {
        // A header already on the request came from RequestOptions (per call): it wins, so only fill gaps.
        if (scope is not null)
        {
            SetMissing(headers, scope.Headers);
        }
        TokenlayResolvedContext defaults = settings.Defaults;
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
            SetIfMissing(headers, TokenlayHeaderNames.ProviderKey, scope?.ProviderApiKey ?? defaults.ProviderApiKey);
            SetIfMissing(headers, TokenlayHeaderNames.ProviderBase, scope?.ProviderApiBase ?? defaults.ProviderApiBase);
        }
        if (!headers.TryGetValue(TokenlayHeaderNames.IdempotencyKey, out _))
        {
            headers.Set(TokenlayHeaderNames.IdempotencyKey, IdempotencyKeys.Next());
        }
    }

    /// <summary>
    /// A streamed reply's headers go out before its usage exists. When someone listens (callbacks or
    /// metrics), ask the proxy for a final <c>tokenlay.summary</c> event with the figures; callers
    /// that do not ask get byte-identical streams.
    /// </summary>
    private static void AskForStreamSummary(PipelineMessage message, TokenlayResolvedContext? scope, TokenlaySettings settings)
    {
        if (!message.BufferResponse
            && Listening(settings, scope?.Callbacks, TokenlayRequestOptionsExtensions.PerCallContextPolicy.From(message)?.Context.Callbacks))
        {
            message.Request.Headers.Set(TokenlayHeaderNames.StreamSummary, "event");
        }
    }

    /// <summary>Whether anyone takes the call's report: a callback (options, scope, per call) or the metrics.</summary>
    private static bool Listening(TokenlaySettings settings, Action<TokenlayResponseInfo>[]? scopeCallbacks, Action<TokenlayResponseInfo>[]? callCallbacks) =>
        settings.OnResponse is not null || scopeCallbacks is { Length: > 0 } || callCallbacks is { Length: > 0 } || TokenlayTelemetry.Enabled;

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

    /// <summary>Runs the callbacks; returns the response when it is an error to throw.</summary>
    private static PipelineResponse? OnResponse(PipelineMessage message, TokenlayResolvedContext? scope, TokenlaySettings settings, long started)
    {
        PipelineResponse? response = message.Response;
        if (response is null)
        {
            return null;
        }
        TokenlayRequestOptionsExtensions.PerCallContextPolicy? perCall = TokenlayRequestOptionsExtensions.PerCallContextPolicy.From(message);
        Action<TokenlayResponseInfo>[]? scopeCallbacks = scope?.Callbacks;
        Action<TokenlayResponseInfo>[]? callCallbacks = perCall?.Context.Callbacks;
        bool telemetry = TokenlayTelemetry.Enabled;
        bool summarised = !response.IsError && !message.BufferResponse && response.ContentStream is not null
            && message.Request.Headers.TryGetValue(TokenlayHeaderNames.StreamSummary, out _);
        if (Listening(settings, scopeCallbacks, callCallbacks))
        {
            // Parsed only when someone listens: the hot path without listeners reads no header here.
            TokenlayResponseInfo info = TokenlayResponseInfo.FromResponse(response);
            void Report(TokenlayResponseInfo final)
            {
                if (telemetry)
                {
                    TokenlayTelemetry.Record(message, final, started, settings.TelemetryUserTag);
                }
                Invoke(callCallbacks, final);
                Invoke(scopeCallbacks, final);
                settings.OnResponse?.Invoke(final);
            }
            if (summarised)
            {
                // A stream is reported once, when its figures are known: at the proxy's summary event,
                // or, without one, when the stream ends or is disposed, with what the headers said.
                response.ContentStream = new StreamSummaryReader(
                    new StreamFaultTranslator(response.ContentStream!, message.CancellationToken, TokenlayFailures.Describe(message), settings.Names),
                    summary => Report(summary is null ? info : info.WithStreamSummary(summary)));
            }
            else
            {
                Report(info);
            }
        }
        if (!response.IsError)
        {
            if (TokenlayFailures.FromUnexpectedSuccess(settings, message, response) is { } notAnApi)
            {
                throw notAnApi;
            }
            // A streamed body is read after this policy returns: guard it so faults then are typed too.
            if (!message.BufferResponse && response.ContentStream is { } body && body is not StreamFaultTranslator and not StreamSummaryReader)
            {
                response.ContentStream = new StreamFaultTranslator(body, message.CancellationToken, TokenlayFailures.Describe(message), settings.Names);
            }
            return null;
        }
        bool noThrow = perCall is not null && (perCall.Options.ErrorOptions & ClientErrorBehaviors.NoThrow) == ClientErrorBehaviors.NoThrow;
        return noThrow ? null : response;
    }

    private static void Invoke(Action<TokenlayResponseInfo>[]? callbacks, TokenlayResponseInfo info)
    {
        if (callbacks is null)
        {
            return;
        }
        foreach (Action<TokenlayResponseInfo> callback in callbacks)
        {
            callback(info);
        }
    }

    private static Func<string, string> Redactor(PipelineMessage message, TokenlaySettings settings)
    {
        message.Request.Headers.TryGetValue(TokenlayHeaderNames.ProviderKey, out string? callKey);
        return text => SecretRedactor.Redact(text, settings.TokenlayKey, settings.Defaults.ProviderApiKey, callKey);
    }
}
