using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay.Companion;

/// <summary>
/// Prepaid credits (<c>/v1/credits/...</c>): grants, balances, the history, adjustments and tiers
/// that refill. A proxied call under a rule with <c>then.credits</c> is admitted only if its estimate
/// fits the account's available balance. Get it from <see cref="TokenlayClient.Credits"/>.
/// </summary>
public class TokenlayCreditsClient
{
    /// <summary>The largest page of transactions the API serves.</summary>
    public const int MaxPageSize = 1000;

    private readonly TokenlayApiTransport? _transport;

    /// <summary>For mocking.</summary>
    protected TokenlayCreditsClient()
    {
        Tiers = null!;
    }

    internal TokenlayCreditsClient(TokenlayApiTransport transport)
    {
        _transport = transport;
        Tiers = new TokenlayCreditTiersClient(transport);
    }

    /// <summary>Tiers: allocations per period that refill the accounts on them.</summary>
    public virtual TokenlayCreditTiersClient Tiers { get; }

    /// <summary>
    /// Grants credits to an account (created by its first grant). A retried grant counts once: the
    /// request's <see cref="TokenlayCreditGrantRequest.IdempotencyKey"/>, or one made for this call,
    /// goes with every retry.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <exception cref="ArgumentException">The account is not written per:key, or the amount is out of range.</exception>
    /// <exception cref="TokenlayConflictException">The idempotency key was used for a different grant.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached (see the subclasses).</exception>
    public virtual Task<TokenlayCreditGrant> GrantAsync(TokenlayCreditGrantRequest request, CancellationToken cancellationToken = default)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }
        request.Validate();
        return Transport.SendAsync("POST", "/v1/credits/grants", null, CreditRequestWriter.Grant(request),
            TokenlayJsonContext.Default.TokenlayCreditGrant, "the credit grant", cancellationToken);
    }

    /// <summary>An account's balance (settled, held, available), tier, next refill and live grants.</summary>
    /// <exception cref="ArgumentException">The account is not written per:key.</exception>
    /// <exception cref="TokenlayNotFoundException">The account does not exist (no grant or tier yet).</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual Task<TokenlayCreditAccount> GetAccountAsync(string account, CancellationToken cancellationToken = default)
    {
        CreditAccounts.Validate(account, nameof(account));
        return Transport.SendAsync("GET", AccountPath(account), null, null, TokenlayJsonContext.Default.TokenlayCreditAccount, "the credit account request", cancellationToken);
    }

    /// <summary>
    /// An account's history, newest first, fetching pages lazily as the enumeration goes; stop
    /// enumerating and no further page is fetched.
    /// </summary>
    /// <exception cref="ArgumentException">The account is not written per:key, or the query is invalid.</exception>
    /// <exception cref="TokenlayNotFoundException">The account does not exist.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual async IAsyncEnumerable<TokenlayCreditTransaction> ListTransactionsAsync(string account, TokenlayCreditTransactionQuery? query = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (TokenlayCreditTransactionPage page in ListTransactionPagesAsync(account, query, null, cancellationToken).ConfigureAwait(false))
        {
            foreach (TokenlayCreditTransaction transaction in page.Data)
            {
                yield return transaction;
            }
        }
    }

    /// <summary>The pages of an account's history, from <paramref name="cursor"/> (a <see cref="TokenlayCreditTransactionPage.NextCursor"/>) or the start.</summary>
    /// <exception cref="ArgumentException">The account is not written per:key, or the query is invalid.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused, could not be reached, or repeated a cursor.</exception>
    public virtual async IAsyncEnumerable<TokenlayCreditTransactionPage> ListTransactionPagesAsync(string account, TokenlayCreditTransactionQuery? query = null,
        string? cursor = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Validate(account, query);
        var cursors = new CursorGuard("transaction");
        while (true)
        {
            TokenlayCreditTransactionPage page = await GetTransactionPageAsync(account, query, cursor, cancellationToken).ConfigureAwait(false);
            yield return page;
            if (page.NextCursor is null)
            {
                yield break;
            }
            cursor = cursors.Next(page.NextCursor);
        }
    }

    /// <summary>One page of an account's history.</summary>
    /// <exception cref="ArgumentException">The account is not written per:key, or the query is invalid.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual Task<TokenlayCreditTransactionPage> GetTransactionPageAsync(string account, TokenlayCreditTransactionQuery? query = null, string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        Validate(account, query);
        query ??= new TokenlayCreditTransactionQuery();
        var parameters = new List<KeyValuePair<string, string?>>
        {
            new("type", query.Type),
            new("since", TokenlayApiTransport.Time(query.Since)),
            new("until", TokenlayApiTransport.Time(query.Until)),
            new("limit", query.PageSize?.ToString(CultureInfo.InvariantCulture)),
            new("cursor", cursor),
        };
        return Transport.SendAsync("GET", AccountPath(account) + "/transactions", parameters, null,
            TokenlayJsonContext.Default.TokenlayCreditTransactionPage, "the credit transactions request", cancellationToken);
    }

    /// <summary>
    /// Corrects a balance by a signed amount with a reason (the history is never edited: a mistake is
    /// fixed by another adjustment). A retried adjustment counts once (see <paramref name="idempotencyKey"/>).
    /// </summary>
    /// <param name="account">The account, written per:key.</param>
    /// <param name="amount">Credits to add (positive) or take away (negative); not 0.</param>
    /// <param name="reason">Why; required, kept in the history.</param>
    /// <param name="idempotencyKey">Makes the adjustment count once across retries and processes; one is made for this call when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ArgumentException">The account is not per:key, the amount is 0, or the reason is empty.</exception>
    /// <exception cref="TokenlayNotFoundException">The account does not exist.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual Task<TokenlayCreditTransaction> AdjustAsync(string account, decimal amount, string reason, string? idempotencyKey = null,
        CancellationToken cancellationToken = default)
    {
        CreditAccounts.Validate(account, nameof(account));
        if (amount == 0 || Math.Abs(amount) > TokenlayCreditGrantRequest.MaxAmount)
        {
            throw new ArgumentOutOfRangeException(nameof(amount), amount, $"The adjustment must be other than 0 and at most {TokenlayCreditGrantRequest.MaxAmount:N0} credits either way.");
        }
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ArgumentException("Say why the balance is corrected: the reason is kept in the history.", nameof(reason));
        }
        return Transport.SendAsync("POST", AccountPath(account) + "/adjustments", null, CreditRequestWriter.Adjustment(amount, reason, idempotencyKey),
            TokenlayJsonContext.Default.TokenlayCreditTransaction, "the credit adjustment", cancellationToken);
    }

    /// <summary>
    /// Puts an account on a tier (creating the account if needed). With <paramref name="resetBalance"/>
    /// a new period starts now with a fresh refill; otherwise the next refill comes at the period start.
    /// </summary>
    /// <exception cref="ArgumentException">The account is not written per:key, or the tier id is empty.</exception>
    /// <exception cref="TokenlayNotFoundException">No tier has that id.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual Task<TokenlayCreditAccount> SetTierAsync(string account, string tierId, bool resetBalance = false, CancellationToken cancellationToken = default)
    {
        CreditAccounts.Validate(account, nameof(account));
        if (string.IsNullOrWhiteSpace(tierId))
        {
            throw new ArgumentException("The tier id is empty.", nameof(tierId));
        }
        return Transport.SendAsync("PUT", AccountPath(account) + "/tier", null, CreditRequestWriter.SetTier(tierId, resetBalance),
            TokenlayJsonContext.Default.TokenlayCreditAccount, "the tier assignment", cancellationToken);
    }

    private static string AccountPath(string account) => "/v1/credits/accounts/" + Uri.EscapeDataString(account);

    private static void Validate(string account, TokenlayCreditTransactionQuery? query)
    {
        CreditAccounts.Validate(account, nameof(account));
        if (query is null)
        {
            return;
        }
        TokenlayApiTransport.ValidateRange(query.Since, query.Until, nameof(query));
        if (query.PageSize is { } size && (size < 1 || size > MaxPageSize))
        {
            throw new ArgumentOutOfRangeException(nameof(query), size, $"PageSize must be from 1 to {MaxPageSize}.");
        }
    }

    private TokenlayApiTransport Transport => _transport ?? throw new InvalidOperationException("This instance was created for mocking and has no transport.");
}
