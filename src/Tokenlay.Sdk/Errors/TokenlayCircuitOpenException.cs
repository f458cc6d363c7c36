using System;
using System.ClientModel.Primitives;

namespace Tokenlay;

/// <summary>
/// The call was not sent: a hosted client's circuit breaker is open after repeated failures to
/// reach Tokenlay (connection failures, timeouts, Tokenlay 5xx), and it lets calls through again
/// after <see cref="TokenlayException.RetryAfter"/>. Errors from the provider and rate limits never
/// open it. Nothing reached the proxy, so nothing was metered.
/// </summary>
public class TokenlayCircuitOpenException : TokenlayException
{
    /// <summary>Creates an exception; for tests and for code that wraps Tokenlay calls.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="response">Always null in practice: no response was received.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TokenlayCircuitOpenException(string message, PipelineResponse? response = null, Exception? innerException = null)
        : this(message, response, innerException, TokenlayErrorDetails.None)
    {
    }

    /// <summary>Creates an exception for a breaker that lets calls through again after <paramref name="retryAfter"/> (a hosting layer of the app's own raises it so).</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="retryAfter">When the breaker lets calls through again, if known.</param>
    /// <param name="innerException">The breaker's own exception, if any.</param>
    public TokenlayCircuitOpenException(string message, TimeSpan? retryAfter, Exception? innerException = null)
        : this(message, null, innerException, new TokenlayErrorDetails { RetryAfter = retryAfter, Source = TokenlayErrorSource.Tokenlay })
    {
    }

    internal TokenlayCircuitOpenException(string message, PipelineResponse? response, Exception? innerException, TokenlayErrorDetails details)
        : base(message, response, innerException, details)
    {
    }
}
