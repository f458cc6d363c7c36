using System.Collections.Generic;
using Tokenlay.Emulator.Pricing;

namespace Tokenlay.Emulator.Credits;

/// <summary>
/// What a call costs in credits: <c>cost_usd x credits_per_usd</c> (100 by default: one credit is
/// one US cent), or a model's own rate in credits per 1M input and output tokens when one is set.
/// A model with neither has no credit price: it is refused on a credit account, never free.
/// Decimals throughout, never rounded to whole credits.
/// </summary>
internal sealed class CreditRates
{
    private readonly decimal _perUsd;
    private readonly IReadOnlyDictionary<string, ModelPrice> _models;

    public CreditRates(decimal perUsd, IReadOnlyDictionary<string, ModelPrice> models)
    {
        _perUsd = perUsd;
        _models = models;
    }

    /// <summary>Credits per input and per output token for <paramref name="model"/>; null when it has no price.</summary>
    public (decimal Input, decimal Output)? PerToken(string model, ModelPrice? price)
    {
        if (_models.TryGetValue(model, out ModelPrice? rate))
        {
            return (rate.Input / 1_000_000m, rate.Output / 1_000_000m);
        }
        return price is null ? null : (price.Input / 1_000_000m * _perUsd, price.Output / 1_000_000m * _perUsd);
    }

    public decimal? Of(string model, ModelPrice? price, long inputTokens, long outputTokens) =>
        PerToken(model, price) is { } rate ? rate.Input * inputTokens + rate.Output * outputTokens : null;

    /// <summary>Credits of an amount known only in USD (a reservation's or a record's <c>cost_usd</c>).</summary>
    public decimal OfUsd(decimal usd) => usd * _perUsd;
}
