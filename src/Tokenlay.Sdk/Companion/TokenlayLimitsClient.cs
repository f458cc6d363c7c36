using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Tokenlay.Pipeline;

namespace Tokenlay.Companion;

/// <summary>
/// Budgets before and outside the proxy: ask what a call would meet (<see cref="CheckAsync"/>) and
/// hold budget for a job (<see cref="ReserveAsync"/>). Get it from <see cref="TokenlayClient.Limits"/>.
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
    public virtual Task<TokenlayCheckResult> CheckAsync(TokenlayCheckRequest request, CancellationToken cancellationToken = default)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }
        return Transport.SendAsync("POST", "/v1/check", null, BudgetRequestWriter.Check(request), TokenlayJsonContext.Default.TokenlayCheckResult, "the check", cancellationToken);
    }

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
    public virtual async Task<TokenlayReservation> ReserveAsync(TokenlayReservationRequest request, CancellationToken cancellationToken = default)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }
        // One idempotency key per reservation, fixed before the pipeline's retries: a retry after a lost
        // answer gets the same reservation back instead of holding the budget twice.
        TokenlayReservationState state = await Transport.SendAsync("POST", "/v1/reservations", null, BudgetRequestWriter.Reserve(request),
            TokenlayJsonContext.Default.TokenlayReservationState, "the reservation", cancellationToken,
            new KeyValuePair<string, string>(TokenlayHeaderNames.IdempotencyKey, request.IdempotencyKey ?? IdempotencyKeys.Next())).ConfigureAwait(false);
        return new TokenlayReservation(state, this);
    }

    internal Task<TokenlayRecordResult> CommitAsync(string id, long inputTokens, long outputTokens, CancellationToken cancellationToken) =>
        // One idempotency key per commit, fixed before the pipeline's retries, so a retried commit counts once.
        Transport.SendAsync("POST", "/v1/reservations/" + Uri.EscapeDataString(id) + "/commit", null, BudgetRequestWriter.Commit(inputTokens, outputTokens),
            TokenlayJsonContext.Default.TokenlayRecordResult, "the reservation commit", cancellationToken,
            new KeyValuePair<string, string>(TokenlayHeaderNames.IdempotencyKey, IdempotencyKeys.Next()));

    internal Task<TokenlayReservationState> ReleaseAsync(string id, CancellationToken cancellationToken) =>
        Transport.SendAsync("DELETE", "/v1/reservations/" + Uri.EscapeDataString(id), null, null,
            TokenlayJsonContext.Default.TokenlayReservationState, "the reservation release", cancellationToken);

    private TokenlayApiTransport Transport => _transport ?? throw new InvalidOperationException("This instance was created for mocking and has no transport.");
}
