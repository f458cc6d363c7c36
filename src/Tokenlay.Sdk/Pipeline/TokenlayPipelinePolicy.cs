using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Generic;
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
    private readonly TokenlaySettings _settings;

    public TokenlayPipelinePolicy(TokenlaySettings settings)
    {
        _settings = settings;
    }

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ResolvedContext? scope = TokenlayScope.Current;
        ApplyHeaders(message.Request.Headers, scope);
        try
        {
            ProcessNext(message, pipeline, currentIndex);
        }
        catch (Exception exception) when (TokenlayFailures.Translate(_settings, message, exception, Redactor(message)) is { } typed)
        {
            throw typed;
        }
        if (OnResponse(message, scope) is { } response)
        {
            throw TokenlayFailures.FromErrorResponse(_settings, message, response, Redactor(message));
        }
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ResolvedContext? scope = TokenlayScope.Current;
        ApplyHeaders(message.Request.Headers, scope);
        try
        {
            await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
        }
        catch (Exception exception) when (TokenlayFailures.Translate(_settings, message, exception, Redactor(message)) is { } typed)
        {
            throw typed;
        }
        if (OnResponse(message, scope) is { } response)
        {
            throw await TokenlayFailures.FromErrorResponseAsync(_settings, message, response, Redactor(message)).ConfigureAwait(false);
        }
    }

    private void ApplyHeaders(PipelineRequestHeaders headers, ResolvedContext? scope)
    {
        // A header already on the request came from RequestOptions (per call): it wins, so only fill gaps.
        if (scope is not null)
        {
            SetMissing(headers, scope.Headers);
        }
        ResolvedContext defaults = _settings.Defaults;
        SetMissing(headers, defaults.Headers);
        SetIfMissing(headers, TokenlayHeaderNames.ProviderKey, scope?.ProviderApiKey ?? defaults.ProviderApiKey);
        SetIfMissing(headers, TokenlayHeaderNames.ProviderBase, scope?.ProviderApiBase ?? defaults.ProviderApiBase);
        if (!headers.TryGetValue(TokenlayHeaderNames.IdempotencyKey, out _))
        {
            headers.Set(TokenlayHeaderNames.IdempotencyKey, IdempotencyKeys.Next());
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

    /// <summary>Runs the callbacks; returns the response when it is an error to throw.</summary>
    private PipelineResponse? OnResponse(PipelineMessage message, ResolvedContext? scope)
    {
        PipelineResponse? response = message.Response;
        if (response is null)
        {
            return null;
        }
        TokenlayRequestOptionsExtensions.PerCallContextPolicy? perCall = TokenlayRequestOptionsExtensions.PerCallContextPolicy.From(message);
        Action<TokenlayResponseInfo>[]? scopeCallbacks = scope?.Callbacks;
        Action<TokenlayResponseInfo>[]? callCallbacks = perCall?.Context.Callbacks;
        bool anyCallback = _settings.OnResponse is not null || scopeCallbacks is { Length: > 0 } || callCallbacks is { Length: > 0 };
        if (anyCallback)
        {
            // Parsed only when someone listens: the hot path without callbacks reads no header here.
            TokenlayResponseInfo info = TokenlayResponseInfo.FromResponse(response);
            Invoke(callCallbacks, info);
            Invoke(scopeCallbacks, info);
            _settings.OnResponse?.Invoke(info);
        }
        if (!response.IsError)
        {
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

    private Func<string, string> Redactor(PipelineMessage message)
    {
        message.Request.Headers.TryGetValue(TokenlayHeaderNames.ProviderKey, out string? callKey);
        return text => SecretRedactor.Redact(text, _settings.TokenlayKey, _settings.Defaults.ProviderApiKey, callKey);
    }
}
