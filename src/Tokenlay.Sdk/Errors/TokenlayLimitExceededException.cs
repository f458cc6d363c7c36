using System;
using System.ClientModel.Primitives;

namespace Tokenlay;

/// <summary>A Tokenlay smart rule blocked the call because a limit was reached. It is never retried automatically; <see cref="TokenlayException.RetryAfter"/> says when to try again and <see cref="Limit"/> which limit it was.</summary>
public class TokenlayLimitExceededException : TokenlayException
{
    /// <summary>Creates an exception; for tests and for code that wraps Tokenlay calls.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="response">The response that carried the error, if there was one.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TokenlayLimitExceededException(string message, PipelineResponse? response = null, Exception? innerException = null)
        : this(message, response, innerException, TokenlayErrorDetails.None)
    {
    }

    internal TokenlayLimitExceededException(string message, PipelineResponse? response, Exception? innerException, TokenlayErrorDetails details)
        : base(message, response, innerException, details)
    {
        RuleId = details.RuleId;
        Limit = details.Limit;
    }

    /// <summary>The id of the rule that blocked the call.</summary>
    public string? RuleId { get; }

    /// <summary>The limit that was reached, when the body described it.</summary>
    public TokenlayLimit? Limit { get; }
}
