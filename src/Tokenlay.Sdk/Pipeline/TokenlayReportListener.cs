using System;
using System.ClientModel.Primitives;
using System.Diagnostics;

namespace Tokenlay.Pipeline;

/// <summary>
/// Who takes one call's report (<see cref="TokenlayReportPolicy"/>), decided once before the call is
/// sent, by the request headers policy that reads the settings and scope anyway. It is put on the
/// message only when someone listens, so a call nobody listens to carries nothing and costs nothing.
/// </summary>
internal sealed class TokenlayReportListener
{
    private TokenlayReportListener(TokenlaySettings settings, Action<TokenlayResponseInfo>[]? scope, Action<TokenlayResponseInfo>[]? call)
    {
        Settings = settings;
        Scope = scope;
        Call = call;
        Started = Stopwatch.GetTimestamp();
    }

    public TokenlaySettings Settings { get; }

    /// <summary>The callbacks of the scopes active when the call started.</summary>
    public Action<TokenlayResponseInfo>[]? Scope { get; }

    /// <summary>The callbacks given for this call (<c>RequestOptions</c>).</summary>
    public Action<TokenlayResponseInfo>[]? Call { get; }

    /// <summary>The <see cref="Stopwatch"/> timestamp the call started at, for the duration metric.</summary>
    public long Started { get; }

    /// <summary>Whether anyone takes a report: a callback (options, scope, per call) or the metrics.</summary>
    private static bool Listening(TokenlaySettings settings, Action<TokenlayResponseInfo>[]? scope, Action<TokenlayResponseInfo>[]? call) =>
        settings.OnResponse is not null || scope is { Length: > 0 } || call is { Length: > 0 } || TokenlayTelemetry.Enabled;

    /// <summary>Puts a listener on <paramref name="message"/> when someone listens; returns whether it did.</summary>
    public static bool Attach(PipelineMessage message, TokenlaySettings settings, Action<TokenlayResponseInfo>[]? scope, Action<TokenlayResponseInfo>[]? call)
    {
        if (!Listening(settings, scope, call))
        {
            return false;
        }
        message.SetProperty(typeof(TokenlayReportListener), new TokenlayReportListener(settings, scope, call));
        return true;
    }

    /// <summary>The call's listener; null when nobody listens.</summary>
    public static TokenlayReportListener? Of(PipelineMessage message) =>
        message.TryGetProperty(typeof(TokenlayReportListener), out object? value) ? value as TokenlayReportListener : null;
}
