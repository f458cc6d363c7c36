using System;
using System.ClientModel.Primitives;

namespace Tokenlay;

/// <summary>The upstream LLM provider refused or failed the call (<c>x-tokenlay-error-source: provider</c>); <see cref="System.ClientModel.ClientResultException.Status"/> is the provider's status.</summary>
public class TokenlayProviderException : TokenlayException
{
    /// <summary>Creates an exception; for tests and for code that wraps Tokenlay calls.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="response">The response that carried the error, if there was one.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TokenlayProviderException(string message, PipelineResponse? response = null, Exception? innerException = null)
        : this(message, response, innerException, TokenlayErrorDetails.None)
    {
    }

    internal TokenlayProviderException(string message, PipelineResponse? response, Exception? innerException, TokenlayErrorDetails details)
        : base(message, response, innerException, details)
    {
    }
}
