using System;
using System.ClientModel.Primitives;

namespace Tokenlay;

/// <summary>
/// A call named a customer (<see cref="TokenlayRequestContext.KeyRef"/>) with no usable connected key:
/// HTTP 403 <c>key_not_connected</c> (none was ever connected for it, or not for that provider) or
/// <c>key_revoked</c> (<see cref="IsRevoked"/>). Connect one with <see cref="Companion.TokenlayKeysClient.ConnectAsync(TokenlayKeyConnection, System.Threading.CancellationToken)"/>.
/// </summary>
public class TokenlayKeyNotConnectedException : TokenlayPermissionDeniedException
{
    /// <summary>Creates an exception; for tests and for code that wraps Tokenlay calls.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="response">The response that carried the error, if there was one.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TokenlayKeyNotConnectedException(string message, PipelineResponse? response = null, Exception? innerException = null)
        : this(message, response, innerException, TokenlayErrorDetails.None)
    {
    }

    internal TokenlayKeyNotConnectedException(string message, PipelineResponse? response, Exception? innerException, TokenlayErrorDetails details)
        : base(message, response, innerException, details)
    {
    }

    /// <summary>Whether the customer's key was revoked (<c>key_revoked</c>) rather than never connected.</summary>
    public bool IsRevoked => string.Equals(ErrorCode, TokenlayErrorCodes.KeyRevoked, StringComparison.Ordinal);
}
