using System;
using System.ClientModel;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Tokenlay.Pipeline;

namespace Tokenlay.Companion;

/// <summary>
/// The blocklist (<c>/v1/blocklist</c>): block a subject, until a time or until removed, without
/// touching rules. A blocked subject's proxied calls, records and reservations are refused before any
/// rule with <see cref="TokenlayBlockedException"/>; a check answers <see cref="TokenlayCheckResult.Block"/>.
/// Get it from <see cref="TokenlayClient.Blocklist"/>.
/// </summary>
public class TokenlayBlocklistClient
{
    /// <summary>The largest page the API serves.</summary>
    public const int MaxPageSize = TokenlayPageSizes.Max;

    private readonly TokenlayApiTransport? _transport;

    /// <summary>For mocking.</summary>
    protected TokenlayBlocklistClient()
    {
    }

    internal TokenlayBlocklistClient(TokenlayApiTransport transport)
    {
        _transport = transport;
    }

    /// <summary>
    /// Blocks <paramref name="subject"/> until <paramref name="until"/> (or until removed). Blocking a
    /// subject again replaces its entry, so a retried add is harmless.
    /// </summary>
    /// <param name="subject">Written <c>per:key</c>: <c>user:alice</c>, <c>org:acme</c>, any metadata field.</param>
    /// <param name="until">When the block ends; must be in the future. Null blocks until removed.</param>
    /// <param name="reason">Why; returned in the refusals (<see cref="TokenlayBlockedException.Reason"/>), so write what the subject may read.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ArgumentException">The subject is not written per:key.</exception>
    /// <exception cref="TokenlayValidationException">Tokenlay refused the entry (for example an <paramref name="until"/> in the past).</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual Task<ClientResult<TokenlayBlockEntry>> AddAsync(string subject, DateTimeOffset? until = null, string? reason = null, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(AddRequest(subject, until, reason), TokenlayJsonContext.Default.TokenlayBlockEntry, cancellationToken);

    /// <summary>The synchronous form of <see cref="AddAsync"/>.</summary>
    public virtual ClientResult<TokenlayBlockEntry> Add(string subject, DateTimeOffset? until = null, string? reason = null, CancellationToken cancellationToken = default) =>
        Transport.Send(AddRequest(subject, until, reason), TokenlayJsonContext.Default.TokenlayBlockEntry, cancellationToken);

    /// <summary>The active entries (all, or <paramref name="subject"/>'s), fetching pages lazily as the enumeration goes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pageSize"/> is not from 1 to <see cref="MaxPageSize"/>.</exception>
    /// <exception cref="TokenlayException">While enumerating: Tokenlay refused, could not be reached, or repeated a cursor.</exception>
    public virtual AsyncCollectionResult<TokenlayBlockEntry> ListAsync(string? subject = null, int? pageSize = null, CancellationToken cancellationToken = default)
    {
        ValidatePageSize(pageSize);
        return new TokenlayAsyncPageCollection<TokenlayBlockEntryPage, TokenlayBlockEntry>(
            (cursor, ct) => GetPageAsync(subject, cursor, pageSize, ct), "blocklist", null, cancellationToken);
    }

    /// <summary>The synchronous form of <see cref="ListAsync"/>.</summary>
    public virtual CollectionResult<TokenlayBlockEntry> List(string? subject = null, int? pageSize = null, CancellationToken cancellationToken = default)
    {
        ValidatePageSize(pageSize);
        return new TokenlayPageCollection<TokenlayBlockEntryPage, TokenlayBlockEntry>(
            (cursor, ct) => GetPage(subject, cursor, pageSize, ct), "blocklist", null, cancellationToken);
    }

    /// <summary>One page of the blocklist, from <paramref name="cursor"/> (a <see cref="TokenlayBlockEntryPage.NextCursor"/>) or the start.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pageSize"/> is not from 1 to <see cref="MaxPageSize"/>.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual Task<ClientResult<TokenlayBlockEntryPage>> GetPageAsync(string? subject = null, string? cursor = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(PageRequest(subject, cursor, pageSize), TokenlayJsonContext.Default.TokenlayBlockEntryPage, cancellationToken);

    /// <summary>The synchronous form of <see cref="GetPageAsync"/>.</summary>
    public virtual ClientResult<TokenlayBlockEntryPage> GetPage(string? subject = null, string? cursor = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        Transport.Send(PageRequest(subject, cursor, pageSize), TokenlayJsonContext.Default.TokenlayBlockEntryPage, cancellationToken);

    /// <summary>
    /// Unblocks <paramref name="subject"/>. The value is false when it was not blocked (the raw response
    /// is then the 404), so removing twice is harmless.
    /// </summary>
    /// <exception cref="ArgumentException">The subject is not written per:key.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual async Task<ClientResult<bool>> RemoveAsync(string subject, CancellationToken cancellationToken = default)
    {
        TokenlayApiRequest request = RemoveRequest(subject);
        try
        {
            ClientResult<TokenlayBlockRemoval> removed = await Transport.SendAsync(request, TokenlayJsonContext.Default.TokenlayBlockRemoval, cancellationToken).ConfigureAwait(false);
            return ClientResult.FromValue(true, removed.GetRawResponse());
        }
        catch (TokenlayNotFoundException e) when (e.ErrorCode == TokenlayErrorCodes.BlockNotFound && e.GetRawResponse() is { } response)
        {
            return ClientResult.FromValue(false, response);
        }
    }

    /// <summary>The synchronous form of <see cref="RemoveAsync"/>.</summary>
    public virtual ClientResult<bool> Remove(string subject, CancellationToken cancellationToken = default)
    {
        TokenlayApiRequest request = RemoveRequest(subject);
        try
        {
            ClientResult<TokenlayBlockRemoval> removed = Transport.Send(request, TokenlayJsonContext.Default.TokenlayBlockRemoval, cancellationToken);
            return ClientResult.FromValue(true, removed.GetRawResponse());
        }
        catch (TokenlayNotFoundException e) when (e.ErrorCode == TokenlayErrorCodes.BlockNotFound && e.GetRawResponse() is { } response)
        {
            return ClientResult.FromValue(false, response);
        }
    }

    private static TokenlayApiRequest AddRequest(string subject, DateTimeOffset? until, string? reason)
    {
        CreditAccounts.Validate(subject, nameof(subject), "subject");
        return new TokenlayApiRequest("POST", "/v1/blocklist", "the blocklist entry")
        {
            Body = CreditRequestWriter.Block(subject, until, reason),
            IdempotencyKey = IdempotencyKeys.Next(),
        };
    }

    private static TokenlayApiRequest PageRequest(string? subject, string? cursor, int? pageSize)
    {
        ValidatePageSize(pageSize);
        return new TokenlayApiRequest("GET", "/v1/blocklist", "the blocklist request")
        {
            Query = new KeyValuePair<string, string?>[]
            {
                new("subject", subject),
                new("limit", pageSize?.ToString(CultureInfo.InvariantCulture)),
                new("cursor", cursor),
            },
        };
    }

    private static TokenlayApiRequest RemoveRequest(string subject)
    {
        CreditAccounts.Validate(subject, nameof(subject), "subject");
        return new TokenlayApiRequest("DELETE", "/v1/blocklist/" + Uri.EscapeDataString(subject), "the blocklist removal");
    }

    private static void ValidatePageSize(int? pageSize)
    {
        if (pageSize is { } size && (size < 1 || size > MaxPageSize))
        {
            throw new ArgumentOutOfRangeException(nameof(pageSize), size, $"The page size must be from 1 to {MaxPageSize}.");
        }
    }

    private TokenlayApiTransport Transport => _transport ?? throw new InvalidOperationException("This instance was created for mocking and has no transport.");
}

/// <summary>The answer of <c>DELETE /v1/blocklist/{subject}</c>.</summary>
internal sealed class TokenlayBlockRemoval
{
    public string? Subject { get; init; }
    public bool Deleted { get; init; }
}
