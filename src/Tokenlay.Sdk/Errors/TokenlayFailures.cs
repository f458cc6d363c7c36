using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Tokenlay.Pipeline;

namespace Tokenlay;

/// <summary>
/// Turns what can go wrong with a call (no response, a timeout, an error response) into the typed
/// exceptions, for every client of this SDK.
/// </summary>
internal static class TokenlayFailures
{
    /// <summary>Maps a failure with no response to its typed exception; null leaves the exception as it is.</summary>
    public static TokenlayException? Translate(TokenlaySettings settings, PipelineMessage message, Exception exception, Func<string, string> redact)
    {
        if (exception is TokenlayException)
        {
            return null;
        }
        if (exception is AggregateException aggregate)
        {
            // The retry policy gathers every failed attempt into one AggregateException: the last
            // attempt says how the call ended, and the aggregate stays available as the cause.
            Exception last = aggregate.InnerExceptions.Count > 0 ? aggregate.InnerExceptions[aggregate.InnerExceptions.Count - 1] : aggregate;
            TokenlayException? typed = last is TokenlayException already ? null : Translate(settings, message, last, redact);
            return typed is null ? null : Rewrap(typed, aggregate);
        }
        if (exception is OperationCanceledException)
        {
            if (message.CancellationToken.IsCancellationRequested)
            {
                return null; // the caller cancelled: that is not an error of ours
            }
            string limit = settings.NetworkTimeout == Timeout.InfiniteTimeSpan
                ? "the network timeout"
                : "the network timeout of " + settings.NetworkTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
            return new TokenlayTimeoutException(
                $"Tokenlay did not answer {Describe(message)} within {limit}. " +
                $"Raise {settings.Names.NetworkTimeout} for long calls, or check that the proxy at {settings.Names.TokenlayBaseUrl} is up.",
                null, exception, TokenlayErrorDetails.None);
        }
        bool noResponse = exception is ClientResultException { Status: 0 } || exception is HttpRequestException || exception is IOException;
        if (!noResponse)
        {
            return null;
        }
        Exception cause = exception is ClientResultException && exception.InnerException is not null ? exception.InnerException : exception;
        string permanent = ConnectionFailures.IsPermanent(exception) ? " This failure does not clear by retrying, so the call was not retried." : "";
        return new TokenlayConnectionException(
            redact($"Could not reach Tokenlay for {Describe(message)}: {cause.Message}{permanent} ") +
            $"Check {settings.Names.TokenlayBaseUrl} ({settings.BaseUrl}) and that the proxy is reachable.",
            null, exception, TokenlayErrorDetails.None);
    }

    /// <summary>The method and URL of a call, for messages.</summary>
    internal static string Describe(PipelineMessage message) =>
        message.Request.Method + " " + (message.Request.Uri?.AbsoluteUri ?? "(no URL)");

    /// <summary>
    /// A successful answer with an HTML body is a web page (a login portal, a load balancer, the
    /// wrong port), not an OpenAI-compatible API: refuse it with a message that says where to look,
    /// instead of letting a JSON reader fail on it later.
    /// </summary>
    public static TokenlayException? FromUnexpectedSuccess(TokenlaySettings settings, PipelineMessage message, PipelineResponse response)
    {
        // A buffered body is already in memory: peek at its first byte, and read the Content-Type
        // header only when that byte is '<', so the common JSON success costs no header lookup.
        if (message.BufferResponse && !StartsWithAngleBracket(response.Content.ToMemory().Span))
        {
            return null;
        }
        if (!response.Headers.TryGetValue("Content-Type", out string? type)
            || type is null
            || type.IndexOf("text/html", StringComparison.OrdinalIgnoreCase) < 0)
        {
            return null;
        }
        return new TokenlayException(
            $"{Describe(message)} answered HTTP {response.Status} with an HTML page, not an API response. " +
            $"Check that {settings.Names.TokenlayBaseUrl} ({settings.BaseUrl}) points at a Tokenlay proxy.",
            response, null, TokenlayErrorDetails.None);
    }

    private static bool StartsWithAngleBracket(ReadOnlySpan<byte> body)
    {
        foreach (byte b in body)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                continue;
            }
            return b == (byte)'<';
        }
        return false;
    }

    private static TokenlayException Rewrap(TokenlayException typed, AggregateException attempts) => typed switch
    {
        TokenlayTimeoutException => new TokenlayTimeoutException(typed.Message + $" ({attempts.InnerExceptions.Count} attempts.)", null, attempts, TokenlayErrorDetails.None),
        _ => new TokenlayConnectionException(typed.Message + $" ({attempts.InnerExceptions.Count} attempts.)", null, attempts, TokenlayErrorDetails.None),
    };

    /// <summary>Reads the error body (bounded by the network timeout) and returns the typed exception.</summary>
    public static async ValueTask<TokenlayException> FromErrorResponseAsync(TokenlaySettings settings, PipelineMessage message, PipelineResponse response, Func<string, string> redact)
    {
        using CancellationTokenSource timeout = BodyTimeout(settings, message);
        await response.BufferContentAsync(timeout.Token).ConfigureAwait(false);
        return TokenlayErrorFactory.FromResponse(settings, message.Request, response, redact);
    }

    /// <summary>The synchronous twin of <see cref="FromErrorResponseAsync"/>.</summary>
    public static TokenlayException FromErrorResponse(TokenlaySettings settings, PipelineMessage message, PipelineResponse response, Func<string, string> redact)
    {
        using CancellationTokenSource timeout = BodyTimeout(settings, message);
        response.BufferContent(timeout.Token);
        return TokenlayErrorFactory.FromResponse(settings, message.Request, response, redact);
    }

    // Error bodies are read outside the transport, so the read gets its own bound.
    private static CancellationTokenSource BodyTimeout(TokenlaySettings settings, PipelineMessage message) =>
        BodyTimeout(settings.NetworkTimeout, message.CancellationToken);

    /// <summary>A token for reading a body outside the transport: the caller's, bounded by <paramref name="timeout"/>.</summary>
    internal static CancellationTokenSource BodyTimeout(TimeSpan timeout, CancellationToken callerToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(callerToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            source.CancelAfter(timeout);
        }
        return source;
    }
}
