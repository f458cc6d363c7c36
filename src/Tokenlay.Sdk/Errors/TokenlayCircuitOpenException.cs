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

    internal TokenlayCircuitOpenException(string message, PipelineResponse? response, Exception? innerException, TokenlayErrorDetails details)
        : base(message, response, innerException, details)
    {
    }
}
