using System;
using System.ClientModel;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay.Companion;

/// <summary>Credit tiers (<c>/v1/credits/tiers</c>). Get it from <see cref="TokenlayCreditsClient.Tiers"/>.</summary>
public class TokenlayCreditTiersClient
{
    private readonly TokenlayApiTransport? _transport;

    /// <summary>For mocking.</summary>
    protected TokenlayCreditTiersClient()
    {
    }

    internal TokenlayCreditTiersClient(TokenlayApiTransport transport)
    {
        _transport = transport;
    }

    /// <summary>Creates or replaces the tier with <paramref name="tier"/>'s id; accounts on it refill by the new terms from their next period.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="tier"/> is null.</exception>
    /// <exception cref="ArgumentException">The id is empty, the allocation is not above 0, or the period is empty.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused (an unknown period is a <see cref="TokenlayValidationException"/>) or could not be reached.</exception>
    public virtual Task<ClientResult<TokenlayCreditTier>> UpsertAsync(TokenlayCreditTier tier, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(UpsertRequest(tier), TokenlayJsonContext.Default.TokenlayCreditTier, cancellationToken);

    /// <summary>The synchronous form of <see cref="UpsertAsync"/>.</summary>
    public virtual ClientResult<TokenlayCreditTier> Upsert(TokenlayCreditTier tier, CancellationToken cancellationToken = default) =>
        Transport.Send(UpsertRequest(tier), TokenlayJsonContext.Default.TokenlayCreditTier, cancellationToken);

    /// <summary>Every tier.</summary>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual async Task<ClientResult<IReadOnlyList<TokenlayCreditTier>>> ListAsync(CancellationToken cancellationToken = default) =>
        Tiers(await Transport.SendAsync(ListRequest, TokenlayJsonContext.Default.TokenlayCreditTierList, cancellationToken).ConfigureAwait(false));

    /// <summary>The synchronous form of <see cref="ListAsync"/>.</summary>
    public virtual ClientResult<IReadOnlyList<TokenlayCreditTier>> List(CancellationToken cancellationToken = default) =>
        Tiers(Transport.Send(ListRequest, TokenlayJsonContext.Default.TokenlayCreditTierList, cancellationToken));

    private static ClientResult<IReadOnlyList<TokenlayCreditTier>> Tiers(ClientResult<TokenlayCreditTierList> list) =>
        ClientResult.FromValue(list.Value.Data, list.GetRawResponse());

    private static TokenlayApiRequest ListRequest => new("GET", "/v1/credits/tiers", "the tiers request");

    private static TokenlayApiRequest UpsertRequest(TokenlayCreditTier tier)
    {
        if (tier is null)
        {
            throw new ArgumentNullException(nameof(tier));
        }
        if (string.IsNullOrWhiteSpace(tier.Id))
        {
            throw new ArgumentException("The tier has no id.", nameof(tier));
        }
        if (tier.Allocation <= 0)
        {
            throw new ArgumentException($"The tier's allocation must be above 0 (got {tier.Allocation}).", nameof(tier));
        }
        if (string.IsNullOrWhiteSpace(tier.Period))
        {
            throw new ArgumentException("The tier has no period: day, week, month or year.", nameof(tier));
        }
        return new TokenlayApiRequest("PUT", "/v1/credits/tiers/" + Uri.EscapeDataString(tier.Id), "the tier update") { Body = CreditRequestWriter.Tier(tier) };
    }

    private TokenlayApiTransport Transport => _transport ?? throw new InvalidOperationException("This instance was created for mocking and has no transport.");
}

/// <summary>The <c>{data}</c> answer of <c>GET /v1/credits/tiers</c>.</summary>
internal sealed class TokenlayCreditTierList
{
    public IReadOnlyList<TokenlayCreditTier> Data { get => _data ?? Array.Empty<TokenlayCreditTier>(); init => _data = value; }

    private readonly IReadOnlyList<TokenlayCreditTier>? _data;
}
