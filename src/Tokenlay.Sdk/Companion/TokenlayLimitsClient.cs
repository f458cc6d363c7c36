using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Tokenlay.Pipeline;

namespace Tokenlay.Companion;

/// <summary>
/// Budgets before and outside the proxy: ask what a call would meet (<see cref="CheckAsync(TokenlayCheckRequest, CancellationToken)"/>) and
/// hold budget for a job (<see cref="ReserveAsync(TokenlayReservationRequest, CancellationToken)"/>). Get it from <see cref="TokenlayClient.Limits"/>.
/// </summary>
public class TokenlayLimitsClient
{
    private readonly TokenlayApiTransport? _transport;

    /// <summary>For mocking.</summary>
    protected TokenlayLimitsClient()
    {
    }

    internal TokenlayLimitsClient(TokenlayApiTransport transport)
    {
        _transport = transport;
    }

    /// <summary>
    /// What a proxied call with this subject would meet: allowed or not, the rule, the model after any
    /// downgrade, and each limit's remaining budget. Meters nothing; use it to show "12 of 50 left" or to
    /// refuse an expensive job up front.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached (see the subclasses).</exception>
    public virtual Task<ClientResult<TokenlayCheckResult>> CheckAsync(TokenlayCheckRequest request, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(CheckRequest(TokenlayApiRequest.Json(BudgetRequestWriter.Check(request ?? throw new ArgumentNullException(nameof(request))))),
            TokenlayJsonContext.Default.TokenlayCheckResult, cancellationToken);

    /// <summary>The synchronous form of <see cref="CheckAsync(TokenlayCheckRequest, CancellationToken)"/>.</summary>
    public virtual ClientResult<TokenlayCheckResult> Check(TokenlayCheckRequest request, CancellationToken cancellationToken = default) =>
        Transport.Send(CheckRequest(TokenlayApiRequest.Json(BudgetRequestWriter.Check(request ?? throw new ArgumentNullException(nameof(request))))),
            TokenlayJsonContext.Default.TokenlayCheckResult, cancellationToken);

    /// <summary>[Protocol method] Sends a check written by the caller (the body of <c>POST /v1/check</c>) and returns the raw answer.</summary>
    /// <param name="content">The JSON body: <c>model</c>, <c>metadata</c>, <c>estimate</c>.</param>
    /// <param name="options">Headers, cancellation and error behaviour of this request.</param>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> is null.</exception>
    public virtual Task<ClientResult> CheckAsync(BinaryContent content, RequestOptions? options) =>
        Transport.SendAsync(CheckRequest(content), options);

    /// <summary>[Protocol method] The synchronous form of <see cref="CheckAsync(BinaryContent, RequestOptions)"/>.</summary>
    public virtual ClientResult Check(BinaryContent content, RequestOptions? options) =>
        Transport.Send(CheckRequest(content), options);

    /// <summary>
    /// Holds the request's estimate against every limit it falls under, for everyone else, until the
    /// reservation is committed, released (<see cref="TokenlayReservation.DisposeAsync"/>) or expires.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <remarks>
    /// The request carries one idempotency key (<see cref="TokenlayReservationRequest.IdempotencyKey"/>, or
    /// one generated per call), the same on every retry, so a retried reservation holds once.
    /// </remarks>
    /// <exception cref="ArgumentException">The request has no estimate, a negative one, a time to live out of range, or an idempotency key that is empty or longer than 255 characters.</exception>
    /// <exception cref="TokenlayLimitExceededException">The estimate does not fit in what is left of a limit.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached (see the subclasses).</exception>
    public virtual async Task<ClientResult<TokenlayReservation>> ReserveAsync(TokenlayReservationRequest request, CancellationToken cancellationToken = default)
    {
        ClientResult<TokenlayReservationState> state = await Transport.SendAsync(ReserveRequest(request),
            TokenlayJsonContext.Default.TokenlayReservationState, cancellationToken).ConfigureAwait(false);
        return ClientResult.FromValue(new TokenlayReservation(state.Value, this), state.GetRawResponse());
    }

    /// <summary>The synchronous form of <see cref="ReserveAsync(TokenlayReservationRequest, CancellationToken)"/>.</summary>
    public virtual ClientResult<TokenlayReservation> Reserve(TokenlayReservationRequest request, CancellationToken cancellationToken = default)
    {
        ClientResult<TokenlayReservationState> state = Transport.Send(ReserveRequest(request), TokenlayJsonContext.Default.TokenlayReservationState, cancellationToken);
        return ClientResult.FromValue(new TokenlayReservation(state.Value, this), state.GetRawResponse());
    }

    /// <summary>
    /// [Protocol method] Sends a reservation written by the caller (the body of <c>POST /v1/reservations</c>)
    /// and returns the raw answer. Add an <c>x-tokenlay-idempotency-key</c> header (<see cref="RequestOptions.SetHeader"/>)
    /// so that a retry holds once; nothing releases this reservation but its id and its expiry.
    /// </summary>
    /// <param name="content">The JSON body: <c>model</c>, <c>metadata</c>, <c>estimate</c>, <c>ttl_seconds</c>.</param>
    /// <param name="options">Headers, cancellation and error behaviour of this request.</param>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> is null.</exception>
    public virtual Task<ClientResult> ReserveAsync(BinaryContent content, RequestOptions? options) =>
        Transport.SendAsync(ReserveRequest(content, idempotencyKey: null), options);

    /// <summary>[Protocol method] The synchronous form of <see cref="ReserveAsync(BinaryContent, RequestOptions)"/>.</summary>
    public virtual ClientResult Reserve(BinaryContent content, RequestOptions? options) =>
        Transport.Send(ReserveRequest(content, idempotencyKey: null), options);

    private static TokenlayApiRequest CheckRequest(BinaryContent content) =>
        new("POST", "/v1/check", "the check") { Content = content ?? throw new ArgumentNullException(nameof(content)) };

    // One idempotency key per reservation, fixed before the pipeline's retries: a retry after a lost
    // answer gets the same reservation back instead of holding the budget twice.
    private static TokenlayApiRequest ReserveRequest(TokenlayReservationRequest request) =>
        ReserveRequest(TokenlayApiRequest.Json(BudgetRequestWriter.Reserve(request ?? throw new ArgumentNullException(nameof(request)))),
            request.IdempotencyKey ?? IdempotencyKeys.Next());

    // A protocol caller's key, if any, comes in its RequestOptions headers.
    private static TokenlayApiRequest ReserveRequest(BinaryContent content, string? idempotencyKey) =>
        new("POST", "/v1/reservations", "the reservation") { Content = content ?? throw new ArgumentNullException(nameof(content)), IdempotencyKey = idempotencyKey };

    /// <summary>
    /// Runs <paramref name="work"/> on a budget (credly's <c>captureUsage</c>, on a reservation): reserves
    /// <paramref name="request"/>'s estimate, runs the work only if admitted, then commits the actual
    /// usage (<paramref name="usageOf"/> of the result) and releases the rest of the hold; if the work
    /// throws, the hold is released and nothing is metered. Proxied calls the work makes inside
    /// <see cref="TokenlayReservation.BeginScope"/> of the reservation it is given draw on the same hold.
    /// </summary>
    /// <typeparam name="T">The work's result.</typeparam>
    /// <param name="request">The estimate to hold and its subject.</param>
    /// <param name="work">The work, given the reservation and the cancellation token.</param>
    /// <param name="usageOf">The tokens the work actually used, read from its result.</param>
    /// <param name="cancellationToken">Cancels the reservation and is passed to the work; the commit and release still run.</param>
    /// <returns>
    /// <see cref="TokenlayMeteredStatus.Refused"/> (limit, credits or block: the work did not run),
    /// <see cref="TokenlayMeteredStatus.Succeeded"/>, <see cref="TokenlayMeteredStatus.Failed"/> or
    /// <see cref="TokenlayMeteredStatus.FailedAndNotReleased"/>, with the result or the exception. The
    /// work's exceptions are returned, not thrown (<see cref="TokenlayMeteredResult{T}.GetValueOrThrow"/> throws them).
    /// </returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The request has no estimate or an invalid one.</exception>
    /// <exception cref="TokenlayException">The reservation could not be made for another reason than a refusal (Tokenlay unreachable, a bad key).</exception>
    public virtual async Task<TokenlayMeteredResult<T>> RunMeteredAsync<T>(TokenlayReservationRequest request,
        Func<TokenlayReservation, CancellationToken, Task<T>> work, Func<T, (long InputTokens, long OutputTokens)> usageOf,
        CancellationToken cancellationToken = default)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }
        if (work is null)
        {
            throw new ArgumentNullException(nameof(work));
        }
        if (usageOf is null)
        {
            throw new ArgumentNullException(nameof(usageOf));
        }
        TokenlayReservation reservation;
        try
        {
            reservation = (await ReserveAsync(request, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (TokenlayException refusal) when (refusal is TokenlayLimitExceededException or TokenlayInsufficientCreditsException or TokenlayBlockedException)
        {
            return new TokenlayMeteredResult<T>(TokenlayMeteredStatus.Refused, default, refusal, null, null, null, null);
        }

        T value;
        try
        {
            value = await work(reservation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception failure)
        {
            try
            {
                // Not the caller's token: a cancelled job must still give its hold back.
                await reservation.ReleaseAsync(CancellationToken.None).ConfigureAwait(false);
                return new TokenlayMeteredResult<T>(TokenlayMeteredStatus.Failed, default, failure, reservation, null, null, null);
            }
            catch (Exception releaseFailure) when (releaseFailure is TokenlayException or OperationCanceledException)
            {
                return new TokenlayMeteredResult<T>(TokenlayMeteredStatus.FailedAndNotReleased, default, failure, reservation, null, null, releaseFailure);
            }
        }

        TokenlayRecordResult? commit = null;
        Exception? commitFailure = null;
        try
        {
            (long input, long output) = usageOf(value);
            commit = await reservation.CommitAsync(input, output, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The work is done and its result is the caller's; an uncommitted hold expires on its own.
            commitFailure = e;
        }
        if (commitFailure is null)
        {
            await reservation.DisposeAsync().ConfigureAwait(false); // releases what the work did not use; never throws
        }
        return new TokenlayMeteredResult<T>(TokenlayMeteredStatus.Succeeded, value, null, reservation, commit, commitFailure, null);
    }

    internal async Task<TokenlayRecordResult> CommitAsync(string id, long inputTokens, long outputTokens, CancellationToken cancellationToken) =>
        // One idempotency key per commit, fixed before the pipeline's retries, so a retried commit counts once.
        (await Transport.SendAsync(
            new TokenlayApiRequest("POST", "/v1/reservations/" + Uri.EscapeDataString(id) + "/commit", "the reservation commit")
            {
                Body = BudgetRequestWriter.Commit(inputTokens, outputTokens),
                IdempotencyKey = IdempotencyKeys.Next(),
            },
            TokenlayJsonContext.Default.TokenlayRecordResult, cancellationToken).ConfigureAwait(false)).Value;

    internal async Task<TokenlayReservationState> ReleaseAsync(string id, CancellationToken cancellationToken) =>
        (await Transport.SendAsync(new TokenlayApiRequest("DELETE", "/v1/reservations/" + Uri.EscapeDataString(id), "the reservation release"),
            TokenlayJsonContext.Default.TokenlayReservationState, cancellationToken).ConfigureAwait(false)).Value;

    private TokenlayApiTransport Transport => _transport ?? throw new InvalidOperationException("This instance was created for mocking and has no transport.");
}
