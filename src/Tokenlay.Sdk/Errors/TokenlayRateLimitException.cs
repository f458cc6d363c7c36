using System;
using System.ClientModel.Primitives;

namespace Tokenlay;

/// <summary>Too many requests (HTTP 429) that are not a Tokenlay rule block, from Tokenlay or from the provider (<see cref="TokenlayException.ErrorSource"/> says which; a provider quota error such as <c>insufficient_quota</c> comes as this too). Retried automatically within <see cref="TokenlayOptions.MaxRetries"/>, honouring <see cref="TokenlayException.RetryAfter"/>.</summary>
public class TokenlayRateLimitException : TokenlayException
{
    /// <summary>Creates an exception; for tests and for code that wraps Tokenlay calls.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="response">The response that carried the error, if there was one.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TokenlayRateLimitException(string message, PipelineResponse? response = null, Exception? innerException = null)
        : this(message, response, innerException, TokenlayErrorDetails.None)
    {
    }

    internal TokenlayRateLimitException(string message, PipelineResponse? response, Exception? innerException, TokenlayErrorDetails details)
        : base(message, response, innerException, details)
    {
    }
}
