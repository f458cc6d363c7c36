using System;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace Tokenlay.Pipeline;

/// <summary>
/// Reports each call's figures (<see cref="TokenlayResponseInfo"/>) to whoever listens: the per-call,
/// scope and options callbacks and the metrics. The response headers are parsed once, and only when
/// someone listens; a stream is reported once, when its figures are known.
/// </summary>
internal sealed class TokenlayReportPolicy : PipelinePolicy
{
    private readonly TokenlaySettingsSource _source;

    public TokenlayReportPolicy(TokenlaySettingsSource source)
    {
        _source = source;
    }

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ProcessNext(message, pipeline, currentIndex);
        Report(message);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
        Report(message);
    }

    /// <summary>Whether anyone takes the call's report: a callback (options, scope, per call) or the metrics.</summary>
    internal static bool Listening(TokenlaySettings settings, Action<TokenlayResponseInfo>[]? scopeCallbacks, Action<TokenlayResponseInfo>[]? callCallbacks) =>
        settings.OnResponse is not null || scopeCallbacks is { Length: > 0 } || callCallbacks is { Length: > 0 } || TokenlayTelemetry.Enabled;

    private void Report(PipelineMessage message)
    {
        if (message.Response is not { } response)
        {
            return;
        }
        TokenlayCallState call = TokenlayCallState.Of(message, _source);
        TokenlaySettings settings = call.Settings;
        Action<TokenlayResponseInfo>[]? scopeCallbacks = call.Scope?.Callbacks;
        Action<TokenlayResponseInfo>[]? callCallbacks = TokenlayRequestOptionsExtensions.PerCallContextPolicy.From(message)?.Context.Callbacks;
        if (!Listening(settings, scopeCallbacks, callCallbacks))
        {
            return; // the hot path without listeners reads no header here
        }
        bool telemetry = TokenlayTelemetry.Enabled;
        TokenlayResponseInfo info = TokenlayResponseInfo.FromResponse(response);
        void Deliver(TokenlayResponseInfo final)
        {
            if (telemetry)
            {
                TokenlayTelemetry.Record(message, final, call.Started, settings.TelemetryUserTag);
            }
            Invoke(callCallbacks, final);
            Invoke(scopeCallbacks, final);
            settings.OnResponse?.Invoke(final);
        }
        bool summarised = !response.IsError && !message.BufferResponse && response.ContentStream is not null
            && message.Request.Headers.TryGetValue(TokenlayHeaderNames.StreamSummary, out _);
        if (summarised)
        {
            // At the proxy's summary event, or, without one, when the stream ends or is disposed, with what the headers said.
            response.ContentStream = new StreamSummaryReader(response.ContentStream!, summary => Deliver(summary is null ? info : info.WithStreamSummary(summary)));
        }
        else
        {
            Deliver(info);
        }
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
}
