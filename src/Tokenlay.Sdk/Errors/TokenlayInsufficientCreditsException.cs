using System;
using System.ClientModel.Primitives;

namespace Tokenlay;

/// <summary>
/// The call's credit account cannot pay for it: HTTP 402 with code <c>insufficient_credits</c> (the
/// estimate does not fit in <see cref="Available"/>) or <c>credits_unpriced_model</c> (the model has no
/// price and no credit rate, so it is never run for free). Never retried: a grant, a top-up or a
/// smaller request is what clears it.
/// </summary>
public class TokenlayInsufficientCreditsException : TokenlayException
{
    /// <summary>The error code of a balance that does not cover the call.</summary>
    public const string InsufficientCreditsCode = TokenlayErrorCodes.InsufficientCreditsType;

    /// <summary>The error code of a model with no price and no credit rate.</summary>
    public const string UnpricedModelCode = "credits_unpriced_model";

    /// <summary>Creates an exception; for tests and for code that wraps Tokenlay calls.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="response">The response that carried the error, if there was one.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TokenlayInsufficientCreditsException(string message, PipelineResponse? response = null, Exception? innerException = null)
        : this(message, response, innerException, TokenlayErrorDetails.None)
    {
    }

    internal TokenlayInsufficientCreditsException(string message, PipelineResponse? response, Exception? innerException, TokenlayErrorDetails details)
        : base(message, response, innerException, details)
    {
        Account = details.CreditAccount;
        Available = details.CreditsAvailable;
        Required = details.CreditsRequired;
    }

    /// <summary>The credit account, written <c>per:key</c> (for example <c>user:alice</c>).</summary>
    public string? Account { get; }

    /// <summary>The credits the account had available (settled minus held) when the call was refused.</summary>
    public decimal? Available { get; }

    /// <summary>The credits the call's estimate needed; null for an unpriced model.</summary>
    public decimal? Required { get; }
}
