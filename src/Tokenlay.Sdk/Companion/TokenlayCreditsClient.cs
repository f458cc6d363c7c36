using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Globalization;
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
    public const int MaxPageSize = TokenlayPageSizes.Max;

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
    public virtual Task<ClientResult<TokenlayCreditGrant>> GrantAsync(TokenlayCreditGrantRequest request, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(GrantRequest(request), TokenlayJsonContext.Default.TokenlayCreditGrant, cancellationToken);

    /// <summary>The synchronous form of <see cref="GrantAsync(TokenlayCreditGrantRequest, CancellationToken)"/>.</summary>
    public virtual ClientResult<TokenlayCreditGrant> Grant(TokenlayCreditGrantRequest request, CancellationToken cancellationToken = default) =>
        Transport.Send(GrantRequest(request), TokenlayJsonContext.Default.TokenlayCreditGrant, cancellationToken);

    /// <summary>
    /// [Protocol method] Sends a grant written by the caller (the body of <c>POST /v1/credits/grants</c>)
    /// and returns the raw answer. Give the body an <c>idempotency_key</c> so that a retry counts once.
    /// </summary>
    /// <param name="content">The JSON body: <c>account</c>, <c>amount</c>, optional <c>expires_at</c>, <c>reason</c>, <c>idempotency_key</c>.</param>
    /// <param name="options">Headers, cancellation and error behaviour of this request.</param>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> is null.</exception>
    public virtual Task<ClientResult> GrantAsync(BinaryContent content, RequestOptions? options) =>
        Transport.SendAsync(GrantRequest(content), options);

    /// <summary>[Protocol method] The synchronous form of <see cref="GrantAsync(BinaryContent, RequestOptions)"/>.</summary>
    public virtual ClientResult Grant(BinaryContent content, RequestOptions? options) =>
        Transport.Send(GrantRequest(content), options);

    /// <summary>An account's balance (settled, held, available), tier, next refill and live grants.</summary>
    /// <exception cref="ArgumentException">The account is not written per:key.</exception>
    /// <exception cref="TokenlayNotFoundException">The account does not exist (no grant or tier yet).</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual Task<ClientResult<TokenlayCreditAccount>> GetAccountAsync(string account, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(AccountRequest(account), TokenlayJsonContext.Default.TokenlayCreditAccount, cancellationToken);

    /// <summary>The synchronous form of <see cref="GetAccountAsync"/>.</summary>
    public virtual ClientResult<TokenlayCreditAccount> GetAccount(string account, CancellationToken cancellationToken = default) =>
        Transport.Send(AccountRequest(account), TokenlayJsonContext.Default.TokenlayCreditAccount, cancellationToken);

    /// <summary>
    /// An account's history, newest first, fetching pages lazily as the enumeration goes; stop
    /// enumerating and no further page is fetched.
    /// </summary>
    /// <exception cref="ArgumentException">The account is not written per:key, or the query is invalid.</exception>
    /// <exception cref="TokenlayNotFoundException">While enumerating: the account does not exist.</exception>
    /// <exception cref="TokenlayException">While enumerating: Tokenlay refused, could not be reached, or repeated a cursor.</exception>
    public virtual AsyncCollectionResult<TokenlayCreditTransaction> ListTransactionsAsync(string account, TokenlayCreditTransactionQuery? query = null,
        CancellationToken cancellationToken = default)
    {
        Validate(account, query);
        return new TokenlayAsyncPageCollection<TokenlayCreditTransactionPage, TokenlayCreditTransaction>(
            (cursor, ct) => GetTransactionPageAsync(account, query, cursor, ct), "transaction", null, cancellationToken);
    }

    /// <summary>The synchronous form of <see cref="ListTransactionsAsync"/>.</summary>
    public virtual CollectionResult<TokenlayCreditTransaction> ListTransactions(string account, TokenlayCreditTransactionQuery? query = null,
        CancellationToken cancellationToken = default)
    {
        Validate(account, query);
        return new TokenlayPageCollection<TokenlayCreditTransactionPage, TokenlayCreditTransaction>(
            (cursor, ct) => GetTransactionPage(account, query, cursor, ct), "transaction", null, cancellationToken);
    }

    /// <summary>One page of an account's history, from <paramref name="cursor"/> (a <see cref="TokenlayCreditTransactionPage.NextCursor"/>) or the start.</summary>
    /// <exception cref="ArgumentException">The account is not written per:key, or the query is invalid.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual Task<ClientResult<TokenlayCreditTransactionPage>> GetTransactionPageAsync(string account, TokenlayCreditTransactionQuery? query = null, string? cursor = null,
        CancellationToken cancellationToken = default) =>
        Transport.SendAsync(TransactionPageRequest(account, query, cursor), TokenlayJsonContext.Default.TokenlayCreditTransactionPage, cancellationToken);

    /// <summary>The synchronous form of <see cref="GetTransactionPageAsync"/>.</summary>
    public virtual ClientResult<TokenlayCreditTransactionPage> GetTransactionPage(string account, TokenlayCreditTransactionQuery? query = null, string? cursor = null,
        CancellationToken cancellationToken = default) =>
        Transport.Send(TransactionPageRequest(account, query, cursor), TokenlayJsonContext.Default.TokenlayCreditTransactionPage, cancellationToken);

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
    public virtual Task<ClientResult<TokenlayCreditTransaction>> AdjustAsync(string account, decimal amount, string reason, string? idempotencyKey = null,
        CancellationToken cancellationToken = default) =>
        Transport.SendAsync(AdjustRequest(account, amount, reason, idempotencyKey), TokenlayJsonContext.Default.TokenlayCreditTransaction, cancellationToken);

    /// <summary>The synchronous form of <see cref="AdjustAsync"/>.</summary>
    public virtual ClientResult<TokenlayCreditTransaction> Adjust(string account, decimal amount, string reason, string? idempotencyKey = null,
        CancellationToken cancellationToken = default) =>
        Transport.Send(AdjustRequest(account, amount, reason, idempotencyKey), TokenlayJsonContext.Default.TokenlayCreditTransaction, cancellationToken);

    /// <summary>
    /// Puts an account on a tier (creating the account if needed). With <paramref name="resetBalance"/>
    /// a new period starts now with a fresh refill; otherwise the next refill comes at the period start.
    /// </summary>
    /// <exception cref="ArgumentException">The account is not written per:key, or the tier id is empty.</exception>
    /// <exception cref="TokenlayNotFoundException">No tier has that id.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual Task<ClientResult<TokenlayCreditAccount>> SetTierAsync(string account, string tierId, bool resetBalance = false, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(TierRequest(account, tierId, resetBalance), TokenlayJsonContext.Default.TokenlayCreditAccount, cancellationToken);

    /// <summary>The synchronous form of <see cref="SetTierAsync"/>.</summary>
    public virtual ClientResult<TokenlayCreditAccount> SetTier(string account, string tierId, bool resetBalance = false, CancellationToken cancellationToken = default) =>
        Transport.Send(TierRequest(account, tierId, resetBalance), TokenlayJsonContext.Default.TokenlayCreditAccount, cancellationToken);

    private static TokenlayApiRequest GrantRequest(TokenlayCreditGrantRequest request)
    {
        if (request is null)
        {
            throw new ArgumentNullException(nameof(request));
        }
        request.Validate();
        return GrantRequest(TokenlayApiRequest.Json(CreditRequestWriter.Grant(request)));
    }

    private static TokenlayApiRequest GrantRequest(BinaryContent content) =>
        new("POST", "/v1/credits/grants", "the credit grant") { Content = content ?? throw new ArgumentNullException(nameof(content)) };

    private static TokenlayApiRequest AccountRequest(string account)
    {
        CreditAccounts.Validate(account, nameof(account));
        return new TokenlayApiRequest("GET", AccountPath(account), "the credit account request");
    }

    private static TokenlayApiRequest TransactionPageRequest(string account, TokenlayCreditTransactionQuery? query, string? cursor)
    {
        Validate(account, query);
        query ??= new TokenlayCreditTransactionQuery();
        return new TokenlayApiRequest("GET", AccountPath(account) + "/transactions", "the credit transactions request")
        {
            Query = new KeyValuePair<string, string?>[]
            {
                new("type", query.Type),
                new("since", TokenlayApiTransport.Time(query.Since)),
                new("until", TokenlayApiTransport.Time(query.Until)),
                new("limit", query.PageSize?.ToString(CultureInfo.InvariantCulture)),
                new("cursor", cursor),
            },
        };
    }

    private static TokenlayApiRequest AdjustRequest(string account, decimal amount, string reason, string? idempotencyKey)
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
        return new TokenlayApiRequest("POST", AccountPath(account) + "/adjustments", "the credit adjustment")
        {
            Body = CreditRequestWriter.Adjustment(amount, reason, idempotencyKey),
        };
    }

    private static TokenlayApiRequest TierRequest(string account, string tierId, bool resetBalance)
    {
        CreditAccounts.Validate(account, nameof(account));
        if (string.IsNullOrWhiteSpace(tierId))
        {
            throw new ArgumentException("The tier id is empty.", nameof(tierId));
        }
        return new TokenlayApiRequest("PUT", AccountPath(account) + "/tier", "the tier assignment") { Body = CreditRequestWriter.SetTier(tierId, resetBalance) };
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
