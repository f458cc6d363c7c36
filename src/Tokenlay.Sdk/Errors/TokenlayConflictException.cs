using System;
using System.ClientModel.Primitives;

namespace Tokenlay;

/// <summary>The request conflicts with the current state, for example a reused idempotency key: HTTP 409.</summary>
public class TokenlayConflictException : TokenlayException
{
    /// <summary>Creates an exception; for tests and for code that wraps Tokenlay calls.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="response">The response that carried the error, if there was one.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TokenlayConflictException(string message, PipelineResponse? response = null, Exception? innerException = null)
        : this(message, response, innerException, TokenlayErrorDetails.None)
    {
    }

    internal TokenlayConflictException(string message, PipelineResponse? response, Exception? innerException, TokenlayErrorDetails details)
        : base(message, response, innerException, details)
    {
    }
}
