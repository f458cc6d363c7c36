using System;
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
    public virtual Task<TokenlayCreditTier> UpsertAsync(TokenlayCreditTier tier, CancellationToken cancellationToken = default)
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
        return Transport.SendAsync("PUT", "/v1/credits/tiers/" + Uri.EscapeDataString(tier.Id), null, CreditRequestWriter.Tier(tier),
            TokenlayJsonContext.Default.TokenlayCreditTier, "the tier update", cancellationToken);
    }

    /// <summary>Every tier.</summary>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual async Task<IReadOnlyList<TokenlayCreditTier>> ListAsync(CancellationToken cancellationToken = default)
    {
        TokenlayCreditTierList list = await Transport.SendAsync("GET", "/v1/credits/tiers", null, null,
            TokenlayJsonContext.Default.TokenlayCreditTierList, "the tiers request", cancellationToken).ConfigureAwait(false);
        return list.Data;
    }

    private TokenlayApiTransport Transport => _transport ?? throw new InvalidOperationException("This instance was created for mocking and has no transport.");
}

/// <summary>The <c>{data}</c> answer of <c>GET /v1/credits/tiers</c>.</summary>
internal sealed class TokenlayCreditTierList
{
    public IReadOnlyList<TokenlayCreditTier> Data { get => _data ?? Array.Empty<TokenlayCreditTier>(); init => _data = value; }

    private readonly IReadOnlyList<TokenlayCreditTier>? _data;
}
