using System;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;

namespace Tokenlay.Pipeline;

/// <summary>
/// The per-try policy: one <c>Tokenlay.Sdk</c> span per HTTP attempt of the plain client. For a
/// hosted client, whose retries happen inside the HttpClient, it only describes the call, and the
/// hosted handler opens the spans. Without a listener it does nothing.
/// </summary>
internal sealed class TokenlayAttemptPolicy : PipelinePolicy
{
    private readonly bool _spansInTransport;

    /// <param name="spansInTransport">True when a handler in the HttpClient opens the spans (hosted with resilience).</param>
    public TokenlayAttemptPolicy(bool spansInTransport)
    {
        _spansInTransport = spansInTransport;
    }

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        if (!TokenlayAttemptSpan.Listening)
        {
            ProcessNext(message, pipeline, currentIndex);
            return;
        }
        Activity? activity = Begin(message);
        try
        {
            ProcessNext(message, pipeline, currentIndex);
        }
        catch (Exception e)
        {
            TokenlayAttemptSpan.Fail(activity, e);
            throw;
        }
        finally
        {
            // A synchronous caller keeps ambient values set here: leave none behind for its next HTTP call.
            TokenlayAttemptSpan.Current = null;
        }
        End(activity, message);
    }

    // Without a listener the next policy's task is returned as it is: no state machine on the hot path.
    public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
        TokenlayAttemptSpan.Listening ? ProcessListeningAsync(message, pipeline, currentIndex) : ProcessNextAsync(message, pipeline, currentIndex);

    private async ValueTask ProcessListeningAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        Activity? activity = Begin(message);
        try
        {
            await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            TokenlayAttemptSpan.Fail(activity, e);
            throw;
        }
        End(activity, message);
    }

    private Activity? Begin(PipelineMessage message)
    {
        if (!message.TryGetProperty(typeof(TokenlayAttemptSpan.CallDescription), out object? known)
            || known is not TokenlayAttemptSpan.CallDescription call)
        {
            PipelineRequest request = message.Request;
            call = TokenlayAttemptSpan.Describe(request.Uri, body =>
            {
                if (request.Content is null || body is null)
                {
                    return false;
                }
                request.Content.WriteTo(body);
                return true;
            });
            message.SetProperty(typeof(TokenlayAttemptSpan.CallDescription), call);
        }
        if (_spansInTransport)
        {
            TokenlayAttemptSpan.Current = call;
            return null;
        }
        return TokenlayAttemptSpan.Start(call, call.NextAttempt(), message.Request.Method, message.Request.Uri);
    }

    private static void End(Activity? activity, PipelineMessage message)
    {
        if (activity is null)
        {
            return;
        }
        PipelineResponse? response = message.Response;
        TokenlayAttemptSpan.Finish(activity, response?.Status ?? 0,
            name => response is not null && response.Headers.TryGetValue(name, out string? value) ? value : null);
    }
}
