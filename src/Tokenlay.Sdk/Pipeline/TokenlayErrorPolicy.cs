using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace Tokenlay.Pipeline;

/// <summary>
/// Turns what went wrong in a call into typed exceptions (inside the request-headers policy, around the
/// report, so a refused call is reported before it is thrown). Transport
/// failures and error responses become <see cref="TokenlayException"/>s (keys redacted), a 2xx that
/// is not an API answer (an HTML page from a wrong base URL) is refused, and a streamed body is
/// guarded so faults while the caller reads it are typed too. Runs once per call, after the last retry.
/// </summary>
internal sealed class TokenlayErrorPolicy : PipelinePolicy
{
    private readonly TokenlaySettingsSource _source;

    public TokenlayErrorPolicy(TokenlaySettingsSource source)
    {
        _source = source;
    }

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        try
        {
            ProcessNext(message, pipeline, currentIndex);
        }
        catch (Exception exception) when (Translate(message, exception) is { } typed)
        {
            throw typed;
        }
        if (CheckAnswer(message) is { } error)
        {
            TokenlaySettings settings = _source.Current;
            throw TokenlayFailures.FromErrorResponse(settings, message, error, Redactor(message, settings));
        }
    }

    public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ValueTask next;
        try
        {
            next = ProcessNextAsync(message, pipeline, currentIndex);
        }
        catch (Exception exception) when (Translate(message, exception) is { } typed)
        {
            throw typed;
        }
        if (!next.IsCompletedSuccessfully)
        {
            return AwaitAndCheckAsync(next, message);
        }
        next.GetAwaiter().GetResult();
        // Completed already: check the answer without an async frame of our own (the common success costs none).
        return CheckAnswer(message) is { } error ? ThrowErrorAsync(message, error) : default;
    }

    private async ValueTask AwaitAndCheckAsync(ValueTask next, PipelineMessage message)
    {
        try
        {
            await next.ConfigureAwait(false);
        }
        catch (Exception exception) when (Translate(message, exception) is { } typed)
        {
            throw typed;
        }
        if (CheckAnswer(message) is { } error)
        {
            await ThrowErrorAsync(message, error).ConfigureAwait(false);
        }
    }

    private async ValueTask ThrowErrorAsync(PipelineMessage message, PipelineResponse error)
    {
        TokenlaySettings settings = _source.Current;
        throw await TokenlayFailures.FromErrorResponseAsync(settings, message, error, Redactor(message, settings)).ConfigureAwait(false);
    }

    private TokenlayException? Translate(PipelineMessage message, Exception exception)
    {
        TokenlaySettings settings = _source.Current;
        return TokenlayFailures.Translate(settings, message, exception, Redactor(message, settings));
    }

    /// <summary>
    /// Checks a finished call: throws for a success that is not an API answer, guards a streamed body,
    /// and returns the error response to throw for (null for a success, or when the caller asked for
    /// the error response itself with <see cref="ClientErrorBehaviors.NoThrow"/>).
    /// </summary>
    private PipelineResponse? CheckAnswer(PipelineMessage message)
    {
        if (message.Response is not { } response)
        {
            return null;
        }
        if (!response.IsError)
        {
            if (TokenlayFailures.FromUnexpectedSuccess(_source.Current, message, response) is { } notAnApi)
            {
                throw notAnApi;
            }
            // A streamed body is read after the pipeline returns: guard it so faults then are typed too.
            if (!message.BufferResponse && response.ContentStream is { } body && body is not StreamFaultTranslator)
            {
                response.ContentStream = new StreamFaultTranslator(body, message.CancellationToken, TokenlayFailures.Describe(message), _source.Current.Names);
            }
            return null;
        }
        if (TokenlayRequestOptionsExtensions.PerCallContextPolicy.From(message) is { } perCall
            && (perCall.Options.ErrorOptions & ClientErrorBehaviors.NoThrow) == ClientErrorBehaviors.NoThrow)
        {
            return null; // the caller asked for the error response itself
        }
        return response;
    }

    private static Func<string, string> Redactor(PipelineMessage message, TokenlaySettings settings)
    {
        message.Request.Headers.TryGetValue(TokenlayHeaderNames.ProviderKey, out string? callKey);
        return text => SecretRedactor.Redact(text, settings.TokenlayKey, settings.Defaults.ProviderApiKey, callKey);
    }
}
