using System;

namespace Tokenlay;

/// <summary>
/// A webhook's signature header is missing, malformed, does not match the payload, or is older
/// than the tolerance. Answer such a request with 400 and do not act on it. It is not a call error:
/// it derives from <see cref="Exception"/>, not from <see cref="System.ClientModel.ClientResultException"/>,
/// so a <c>catch (ClientResultException)</c> around OpenAI calls never swallows a forged webhook.
/// </summary>
public class TokenlayWebhookSignatureException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong with the signature.</param>
    public TokenlayWebhookSignatureException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    /// <param name="message">What was wrong with the signature.</param>
    /// <param name="innerException">The cause.</param>
    public TokenlayWebhookSignatureException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
