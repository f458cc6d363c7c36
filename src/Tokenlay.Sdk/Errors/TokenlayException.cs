using System;
using System.ClientModel;
using System.ClientModel.Primitives;

namespace Tokenlay;

/// <summary>
/// The base of every error this SDK raises for a Tokenlay-routed call. It derives from
/// <see cref="ClientResultException"/>, so code that already catches the OpenAI library's
/// exception keeps working; catch a subclass to handle one case.
/// </summary>
/// <remarks>The message holds the server's message, code and request id, never a key.</remarks>
public class TokenlayException : ClientResultException
{
    /// <summary>Creates an exception; for tests and for code that wraps Tokenlay calls.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="response">The response that carried the error, if there was one.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TokenlayException(string message, PipelineResponse? response = null, Exception? innerException = null)
        : this(message, response, innerException, TokenlayErrorDetails.None)
    {
    }

    internal TokenlayException(string message, PipelineResponse? response, Exception? innerException, TokenlayErrorDetails details)
        : base(message, response, innerException)
    {
        ErrorType = details.Type;
        ErrorCode = details.Code;
        ErrorParam = details.Param;
        RequestId = details.RequestId;
        RetryAfter = details.RetryAfter;
        ErrorSource = details.Source;
    }

    /// <summary>The error <c>type</c> from the body (for example <c>limit_exceeded</c>, <c>invalid_request_error</c>).</summary>
    public string? ErrorType { get; }

    /// <summary>The error <c>code</c> from the body (for example <c>monthly_cost_limit</c>).</summary>
    public string? ErrorCode { get; }

    /// <summary>The request parameter the error is about, when the server named one.</summary>
    public string? ErrorParam { get; }

    /// <summary>Tokenlay's request id (<c>x-tokenlay-request-id</c>); quote it to support.</summary>
    public string? RequestId { get; }

    /// <summary>How long the server asked the client to wait (<c>Retry-After</c>, seconds or HTTP date).</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>Whether Tokenlay or the upstream provider produced the error.</summary>
    public TokenlayErrorSource ErrorSource { get; }
}
