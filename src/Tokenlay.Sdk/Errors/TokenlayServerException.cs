using System;
using System.ClientModel.Primitives;

namespace Tokenlay;

/// <summary>Tokenlay, or something in front of it, failed: HTTP 5xx. Retried automatically within <see cref="TokenlayOptions.MaxRetries"/>.</summary>
public class TokenlayServerException : TokenlayException
{
    /// <summary>Creates an exception; for tests and for code that wraps Tokenlay calls.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="response">The response that carried the error, if there was one.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TokenlayServerException(string message, PipelineResponse? response = null, Exception? innerException = null)
        : this(message, response, innerException, TokenlayErrorDetails.None)
    {
    }

    internal TokenlayServerException(string message, PipelineResponse? response, Exception? innerException, TokenlayErrorDetails details)
        : base(message, response, innerException, details)
    {
    }
}
