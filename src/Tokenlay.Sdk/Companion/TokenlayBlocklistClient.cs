using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
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
    public const int MaxPageSize = 1000;

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
    public virtual Task<TokenlayBlockEntry> AddAsync(string subject, DateTimeOffset? until = null, string? reason = null, CancellationToken cancellationToken = default)
    {
        CreditAccounts.Validate(subject, nameof(subject), "subject");
        return Transport.SendAsync("POST", "/v1/blocklist", null, CreditRequestWriter.Block(subject, until, reason),
            TokenlayJsonContext.Default.TokenlayBlockEntry, "the blocklist entry", cancellationToken,
            new KeyValuePair<string, string>(TokenlayHeaderNames.IdempotencyKey, IdempotencyKeys.Next()));
    }

    /// <summary>The active entries (all, or <paramref name="subject"/>'s), fetching pages lazily as the enumeration goes.</summary>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual async IAsyncEnumerable<TokenlayBlockEntry> ListAsync(string? subject = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (TokenlayBlockEntryPage page in ListPagesAsync(subject, null, null, cancellationToken).ConfigureAwait(false))
        {
            foreach (TokenlayBlockEntry entry in page.Data)
            {
                yield return entry;
            }
        }
    }

    /// <summary>The pages of the blocklist, from <paramref name="cursor"/> (a <see cref="TokenlayBlockEntryPage.NextCursor"/>) or the start.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pageSize"/> is not from 1 to <see cref="MaxPageSize"/>.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused, could not be reached, or repeated a cursor.</exception>
    public virtual async IAsyncEnumerable<TokenlayBlockEntryPage> ListPagesAsync(string? subject = null, string? cursor = null, int? pageSize = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ValidatePageSize(pageSize);
        var cursors = new CursorGuard("blocklist");
        while (true)
        {
            TokenlayBlockEntryPage page = await GetPageAsync(subject, cursor, pageSize, cancellationToken).ConfigureAwait(false);
            yield return page;
            if (page.NextCursor is null)
            {
                yield break;
            }
            cursor = cursors.Next(page.NextCursor);
        }
    }

    /// <summary>One page of the blocklist.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pageSize"/> is not from 1 to <see cref="MaxPageSize"/>.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual Task<TokenlayBlockEntryPage> GetPageAsync(string? subject = null, string? cursor = null, int? pageSize = null, CancellationToken cancellationToken = default)
    {
        ValidatePageSize(pageSize);
        var parameters = new List<KeyValuePair<string, string?>>
        {
            new("subject", subject),
            new("limit", pageSize?.ToString(CultureInfo.InvariantCulture)),
            new("cursor", cursor),
        };
        return Transport.SendAsync("GET", "/v1/blocklist", parameters, null, TokenlayJsonContext.Default.TokenlayBlockEntryPage, "the blocklist request", cancellationToken);
    }

    /// <summary>Unblocks <paramref name="subject"/>. Returns false when it was not blocked, so removing twice is harmless.</summary>
    /// <exception cref="ArgumentException">The subject is not written per:key.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual async Task<bool> RemoveAsync(string subject, CancellationToken cancellationToken = default)
    {
        CreditAccounts.Validate(subject, nameof(subject), "subject");
        try
        {
            await Transport.SendAsync("DELETE", "/v1/blocklist/" + Uri.EscapeDataString(subject), null, null,
                TokenlayJsonContext.Default.TokenlayBlockRemoval, "the blocklist removal", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TokenlayNotFoundException e) when (e.ErrorCode == "block_not_found")
        {
            return false;
        }
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
