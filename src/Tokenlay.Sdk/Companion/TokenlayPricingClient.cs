using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay.Companion;

/// <summary>Reads and overrides prices (<c>/v1/pricing</c>). Get it from <see cref="TokenlayClient.Pricing"/>.</summary>
public class TokenlayPricingClient
{
    private readonly TokenlayApiTransport? _transport;

    /// <summary>For mocking.</summary>
    protected TokenlayPricingClient()
    {
    }

    internal TokenlayPricingClient(TokenlayApiTransport transport)
    {
        _transport = transport;
    }

    /// <summary>The built-in prices and your overrides.</summary>
    public virtual Task<TokenlayPricing> GetAsync(CancellationToken cancellationToken = default) =>
        Transport.SendAsync("GET", "/v1/pricing", null, null, TokenlayJsonContext.Default.TokenlayPricing, "the pricing request", cancellationToken);

    /// <summary>Adds or replaces overrides (USD per 1M tokens) by provider and model; they apply to later calls.</summary>
    /// <param name="overrides">Provider name to model name to price, for example <c>openai</c> → <c>my-finetune</c> → (0.5, 2.0).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ArgumentException"><paramref name="overrides"/> is empty or has an empty name or a null price.</exception>
    public virtual Task<TokenlayPricing> UpdateAsync(IReadOnlyDictionary<string, IReadOnlyDictionary<string, TokenlayModelPrice>> overrides, CancellationToken cancellationToken = default)
    {
        if (overrides is null || overrides.Count == 0)
        {
            throw new ArgumentException("Give at least one provider with at least one model price.", nameof(overrides));
        }
        var body = new Dictionary<string, Dictionary<string, TokenlayModelPrice>>(StringComparer.OrdinalIgnoreCase);
        foreach (KeyValuePair<string, IReadOnlyDictionary<string, TokenlayModelPrice>> provider in overrides)
        {
            if (string.IsNullOrWhiteSpace(provider.Key) || provider.Value is null || provider.Value.Count == 0)
            {
                throw new ArgumentException($"The provider '{provider.Key}' needs a name and at least one model price.", nameof(overrides));
            }
            foreach (KeyValuePair<string, TokenlayModelPrice> model in provider.Value)
            {
                if (string.IsNullOrWhiteSpace(model.Key) || model.Value is null)
                {
                    throw new ArgumentException($"Every model of '{provider.Key}' needs a name and a price.", nameof(overrides));
                }
            }
            body[provider.Key] = provider.Value.ToDictionary(m => m.Key, m => m.Value, StringComparer.OrdinalIgnoreCase);
        }
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(body, TokenlayJsonContext.Default.DictionaryStringDictionaryStringTokenlayModelPrice);
        return Transport.SendAsync("PUT", "/v1/pricing", null, json, TokenlayJsonContext.Default.TokenlayPricing, "the pricing update", cancellationToken);
    }

    /// <summary>Sets one model's price; see <see cref="UpdateAsync(IReadOnlyDictionary{string, IReadOnlyDictionary{string, TokenlayModelPrice}}, CancellationToken)"/>.</summary>
    public virtual Task<TokenlayPricing> UpdateAsync(string provider, string model, TokenlayModelPrice price, CancellationToken cancellationToken = default) =>
        UpdateAsync(new Dictionary<string, IReadOnlyDictionary<string, TokenlayModelPrice>>
        {
            [provider ?? ""] = new Dictionary<string, TokenlayModelPrice> { [model ?? ""] = price },
        }, cancellationToken);

    /// <summary>Drops every override, back to the built-in prices.</summary>
    public virtual Task<TokenlayPricing> ClearAsync(CancellationToken cancellationToken = default) =>
        Transport.SendAsync("DELETE", "/v1/pricing", null, null, TokenlayJsonContext.Default.TokenlayPricing, "the pricing reset", cancellationToken);

    private TokenlayApiTransport Transport => _transport ?? throw new InvalidOperationException("This instance was created for mocking and has no transport.");
}
