namespace Tokenlay;

/// <summary>
/// A webhook's signature header is missing, malformed, does not match the payload, or is older
/// than the tolerance. Answer such a request with 400 and do not act on it.
/// </summary>
public class TokenlayWebhookSignatureException : TokenlayException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong with the signature.</param>
    public TokenlayWebhookSignatureException(string message)
        : base(message)
    {
    }
}
