using System;
using System.ClientModel.Primitives;

namespace Tokenlay;

/// <summary>
/// The call's subject is on Tokenlay's blocklist: HTTP 403 with code <c>subject_blocked</c>. Nothing
/// was metered and it is never retried; <see cref="Until"/> (and <see cref="TokenlayException.RetryAfter"/>)
/// say when the block ends, null when it lasts until removed.
/// </summary>
public class TokenlayBlockedException : TokenlayPermissionDeniedException
{
    /// <summary>The error code of a call refused by the blocklist.</summary>
    public const string SubjectBlockedCode = TokenlayErrorCodes.SubjectBlocked;

    /// <summary>Creates an exception; for tests and for code that wraps Tokenlay calls.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="response">The response that carried the error, if there was one.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TokenlayBlockedException(string message, PipelineResponse? response = null, Exception? innerException = null)
        : this(message, response, innerException, TokenlayErrorDetails.None)
    {
    }

    internal TokenlayBlockedException(string message, PipelineResponse? response, Exception? innerException, TokenlayErrorDetails details)
        : base(message, response, innerException, details)
    {
        Subject = details.BlockSubject;
        Reason = details.BlockReason;
        Until = details.BlockUntil;
    }

    /// <summary>The blocked subject, written <c>per:key</c> (for example <c>user:alice</c>).</summary>
    public string? Subject { get; }

    /// <summary>Why, as given when the subject was blocked.</summary>
    public string? Reason { get; }

    /// <summary>When the block ends (UTC); null when it lasts until removed.</summary>
    public DateTimeOffset? Until { get; }
}
