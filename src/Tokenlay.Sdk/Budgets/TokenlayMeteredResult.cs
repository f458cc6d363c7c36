using System;

namespace Tokenlay;

/// <summary>
/// The outcome of <see cref="Companion.TokenlayLimitsClient.RunMeteredAsync{T}"/>: whether the work was
/// admitted and ran, its result or exception, and what was metered.
/// </summary>
/// <typeparam name="T">The work's result.</typeparam>
public sealed class TokenlayMeteredResult<T>
{
    internal TokenlayMeteredResult(TokenlayMeteredStatus status, T? value, Exception? exception, TokenlayReservation? reservation,
        TokenlayRecordResult? commit, Exception? commitException, Exception? releaseException)
    {
        Status = status;
        Value = value;
        Exception = exception;
        Reservation = reservation;
        Commit = commit;
        CommitException = commitException;
        ReleaseException = releaseException;
    }

    /// <summary>How it ended.</summary>
    public TokenlayMeteredStatus Status { get; }

    /// <summary>Whether the work ran and returned (<see cref="TokenlayMeteredStatus.Succeeded"/>).</summary>
    public bool Succeeded => Status == TokenlayMeteredStatus.Succeeded;

    /// <summary>The work's result when it succeeded; the default otherwise.</summary>
    public T? Value { get; }

    /// <summary>
    /// Why it did not succeed: for <see cref="TokenlayMeteredStatus.Refused"/> the refusal
    /// (<see cref="TokenlayLimitExceededException"/>, <see cref="TokenlayInsufficientCreditsException"/> or
    /// <see cref="TokenlayBlockedException"/>); for the failures, what the work threw. Null on success.
    /// </summary>
    public Exception? Exception { get; }

    /// <summary>The reservation the work ran on; null when refused.</summary>
    public TokenlayReservation? Reservation { get; }

    /// <summary>The commit of the work's usage; null unless it succeeded and the commit went through.</summary>
    public TokenlayRecordResult? Commit { get; }

    /// <summary>
    /// The work succeeded but its usage could not be committed (Tokenlay unreachable, or <c>usageOf</c>
    /// threw): <see cref="Value"/> is still the result, and the hold is returned when the reservation expires.
    /// </summary>
    public Exception? CommitException { get; }

    /// <summary>For <see cref="TokenlayMeteredStatus.FailedAndNotReleased"/>: why the release failed.</summary>
    public Exception? ReleaseException { get; }

    /// <summary>The result, or the exception rethrown when the work did not succeed (a refusal throws the refusal).</summary>
    /// <exception cref="Exception">What <see cref="Exception"/> holds.</exception>
    public T GetValueOrThrow()
    {
        if (Status == TokenlayMeteredStatus.Succeeded)
        {
            return Value!;
        }
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(Exception!).Throw();
        throw Exception!; // not reached
    }

    /// <inheritdoc />
    public override string ToString() => Status + (Exception is null ? "" : $": {Exception.GetType().Name}: {Exception.Message}");
}
