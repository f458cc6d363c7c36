using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace Tokenlay.Pipeline;

/// <summary>
/// The outermost Tokenlay policy of a call: turns what went wrong into typed exceptions. Transport
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

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
        ProcessCoreAsync(message, pipeline, currentIndex, async: false).AsTask().GetAwaiter().GetResult();

    public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
        ProcessCoreAsync(message, pipeline, currentIndex, async: true);

    // One body for both: with async false every await below completes synchronously.
    private async ValueTask ProcessCoreAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex, bool async)
    {
        TokenlaySettings settings = TokenlayCallState.Of(message, _source).Settings;
        try
        {
            if (async)
            {
                await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
            }
            else
            {
                ProcessNext(message, pipeline, currentIndex);
            }
        }
        catch (Exception exception) when (TokenlayFailures.Translate(settings, message, exception, Redactor(message, settings)) is { } typed)
        {
            throw typed;
        }
        if (message.Response is not { } response)
        {
            return;
        }
        if (!response.IsError)
        {
            if (TokenlayFailures.FromUnexpectedSuccess(settings, message, response) is { } notAnApi)
            {
                throw notAnApi;
            }
            // A streamed body is read after the pipeline returns: guard it so faults then are typed too.
            if (!message.BufferResponse && response.ContentStream is { } body && body is not StreamFaultTranslator)
            {
                response.ContentStream = new StreamFaultTranslator(body, message.CancellationToken, TokenlayFailures.Describe(message), settings.Names);
            }
            return;
        }
        if (TokenlayRequestOptionsExtensions.PerCallContextPolicy.From(message) is { } perCall
            && (perCall.Options.ErrorOptions & ClientErrorBehaviors.NoThrow) == ClientErrorBehaviors.NoThrow)
        {
            return; // the caller asked for the error response itself
        }
        throw async
            ? await TokenlayFailures.FromErrorResponseAsync(settings, message, response, Redactor(message, settings)).ConfigureAwait(false)
            : TokenlayFailures.FromErrorResponse(settings, message, response, Redactor(message, settings));
    }

    private static Func<string, string> Redactor(PipelineMessage message, TokenlaySettings settings)
    {
        message.Request.Headers.TryGetValue(TokenlayHeaderNames.ProviderKey, out string? callKey);
        return text => SecretRedactor.Redact(text, settings.TokenlayKey, settings.Defaults.ProviderApiKey, callKey);
    }
}
