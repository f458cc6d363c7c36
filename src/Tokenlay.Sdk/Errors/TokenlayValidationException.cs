using System;
using System.ClientModel.Primitives;

namespace Tokenlay;

/// <summary>The request was malformed or invalid: HTTP 400 or 422. <see cref="TokenlayException.ErrorParam"/> names the field when the server said.</summary>
public class TokenlayValidationException : TokenlayException
{
    /// <summary>Creates an exception; for tests and for code that wraps Tokenlay calls.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="response">The response that carried the error, if there was one.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TokenlayValidationException(string message, PipelineResponse? response = null, Exception? innerException = null)
        : this(message, response, innerException, TokenlayErrorDetails.None)
    {
    }

    internal TokenlayValidationException(string message, PipelineResponse? response, Exception? innerException, TokenlayErrorDetails details)
        : base(message, response, innerException, details)
    {
    }
}
