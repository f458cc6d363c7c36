using System;
using System.ClientModel;
using System.ClientModel.Primitives;
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
    public virtual Task<ClientResult<TokenlayPricing>> GetAsync(CancellationToken cancellationToken = default) =>
        Transport.SendAsync(GetRequest, TokenlayJsonContext.Default.TokenlayPricing, cancellationToken);

    /// <summary>The synchronous form of <see cref="GetAsync"/>.</summary>
    public virtual ClientResult<TokenlayPricing> Get(CancellationToken cancellationToken = default) =>
        Transport.Send(GetRequest, TokenlayJsonContext.Default.TokenlayPricing, cancellationToken);

    /// <summary>Adds or replaces overrides (USD per 1M tokens) by provider and model; they apply to later calls.</summary>
    /// <param name="overrides">Provider name to model name to price, for example <c>openai</c> → <c>my-finetune</c> → (0.5, 2.0).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ArgumentException"><paramref name="overrides"/> is empty or has an empty name or a null price.</exception>
    public virtual Task<ClientResult<TokenlayPricing>> UpdateAsync(IReadOnlyDictionary<string, IReadOnlyDictionary<string, TokenlayModelPrice>> overrides, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(UpdateRequest(TokenlayApiRequest.Json(Write(overrides))), TokenlayJsonContext.Default.TokenlayPricing, cancellationToken);

    /// <summary>The synchronous form of <see cref="UpdateAsync(IReadOnlyDictionary{string, IReadOnlyDictionary{string, TokenlayModelPrice}}, CancellationToken)"/>.</summary>
    public virtual ClientResult<TokenlayPricing> Update(IReadOnlyDictionary<string, IReadOnlyDictionary<string, TokenlayModelPrice>> overrides, CancellationToken cancellationToken = default) =>
        Transport.Send(UpdateRequest(TokenlayApiRequest.Json(Write(overrides))), TokenlayJsonContext.Default.TokenlayPricing, cancellationToken);

    /// <summary>Sets one model's price; see <see cref="UpdateAsync(IReadOnlyDictionary{string, IReadOnlyDictionary{string, TokenlayModelPrice}}, CancellationToken)"/>.</summary>
    public virtual Task<ClientResult<TokenlayPricing>> UpdateAsync(string provider, string model, TokenlayModelPrice price, CancellationToken cancellationToken = default) =>
        UpdateAsync(One(provider, model, price), cancellationToken);

    /// <summary>The synchronous form of <see cref="UpdateAsync(string, string, TokenlayModelPrice, CancellationToken)"/>.</summary>
    public virtual ClientResult<TokenlayPricing> Update(string provider, string model, TokenlayModelPrice price, CancellationToken cancellationToken = default) =>
        Update(One(provider, model, price), cancellationToken);

    /// <summary>
    /// [Protocol method] Sends overrides written by the caller (the body of <c>PUT /v1/pricing</c>:
    /// provider to model to <c>{"input": …, "output": …}</c>, USD per 1M tokens) and returns the raw answer.
    /// </summary>
    /// <param name="content">The JSON body.</param>
    /// <param name="options">Headers, cancellation and error behaviour of this request.</param>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> is null.</exception>
    public virtual Task<ClientResult> UpdateAsync(BinaryContent content, RequestOptions? options) =>
        Transport.SendAsync(UpdateRequest(content), options);

    /// <summary>[Protocol method] The synchronous form of <see cref="UpdateAsync(BinaryContent, RequestOptions)"/>.</summary>
    public virtual ClientResult Update(BinaryContent content, RequestOptions? options) =>
        Transport.Send(UpdateRequest(content), options);

    /// <summary>Drops every override, back to the built-in prices.</summary>
    public virtual Task<ClientResult<TokenlayPricing>> ClearAsync(CancellationToken cancellationToken = default) =>
        Transport.SendAsync(ClearRequest, TokenlayJsonContext.Default.TokenlayPricing, cancellationToken);

    /// <summary>The synchronous form of <see cref="ClearAsync"/>.</summary>
    public virtual ClientResult<TokenlayPricing> Clear(CancellationToken cancellationToken = default) =>
        Transport.Send(ClearRequest, TokenlayJsonContext.Default.TokenlayPricing, cancellationToken);

    private static TokenlayApiRequest GetRequest => new("GET", "/v1/pricing", "the pricing request");

    private static TokenlayApiRequest ClearRequest => new("DELETE", "/v1/pricing", "the pricing reset");

    private static TokenlayApiRequest UpdateRequest(BinaryContent content) =>
        new("PUT", "/v1/pricing", "the pricing update") { Content = content ?? throw new ArgumentNullException(nameof(content)) };

    private static Dictionary<string, IReadOnlyDictionary<string, TokenlayModelPrice>> One(string provider, string model, TokenlayModelPrice price)
    {
        if (string.IsNullOrWhiteSpace(provider))
        {
            throw provider is null ? new ArgumentNullException(nameof(provider)) : new ArgumentException("The provider needs a name, such as openai.", nameof(provider));
        }
        if (string.IsNullOrWhiteSpace(model))
        {
            throw model is null ? new ArgumentNullException(nameof(model)) : new ArgumentException("The model needs a name, such as gpt-4o-mini.", nameof(model));
        }
        return new() { [provider] = new Dictionary<string, TokenlayModelPrice> { [model] = price ?? throw new ArgumentNullException(nameof(price)) } };
    }

    private static byte[] Write(IReadOnlyDictionary<string, IReadOnlyDictionary<string, TokenlayModelPrice>> overrides)
    {
        if (overrides is null)
        {
            throw new ArgumentNullException(nameof(overrides));
        }
        if (overrides.Count == 0)
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
        return JsonSerializer.SerializeToUtf8Bytes(body, TokenlayJsonContext.Default.DictionaryStringDictionaryStringTokenlayModelPrice);
    }

    private TokenlayApiTransport Transport => _transport ?? throw new InvalidOperationException("This instance was created for mocking and has no transport.");
}
