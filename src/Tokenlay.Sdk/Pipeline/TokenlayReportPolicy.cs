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
    /// <summary>The policy holds no state (the call's listener is on the message), so one serves every client.</summary>
    public static TokenlayReportPolicy Instance { get; } = new();

    private TokenlayReportPolicy()
    {
    }

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ProcessNext(message, pipeline, currentIndex);
        if (TokenlayReportListener.Of(message) is { } listener)
        {
            Report(message, listener);
        }
    }

    public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
        // Nobody listens on the hot path: hand the call on as it is, with no async frame of our own.
        TokenlayReportListener.Of(message) is { } listener
            ? ProcessAndReportAsync(message, pipeline, currentIndex, listener)
            : ProcessNextAsync(message, pipeline, currentIndex);

    private static async ValueTask ProcessAndReportAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex, TokenlayReportListener listener)
    {
        await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
        Report(message, listener);
    }

    private static void Report(PipelineMessage message, TokenlayReportListener listener)
    {
        if (message.Response is not { } response)
        {
            return;
        }
        TokenlaySettings settings = listener.Settings;
        bool telemetry = TokenlayTelemetry.Enabled;
        TokenlayResponseInfo info = TokenlayResponseInfo.FromResponse(response);
        void Deliver(TokenlayResponseInfo final)
        {
            if (telemetry)
            {
                TokenlayTelemetry.Record(message, final, listener.Started, settings.TelemetryUserTag);
            }
            Invoke(listener.Call, final);
            Invoke(listener.Scope, final);
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
