using System;

namespace Tokenlay;

/// <summary>
/// A customer's provider key to connect with <see cref="Companion.TokenlayKeysClient.ConnectAsync(TokenlayKeyConnection, System.Threading.CancellationToken)"/>.
/// The secret is sent once, then never returned: Tokenlay keeps it encrypted and calls use it by
/// <see cref="RefId"/> (<see cref="TokenlayRequestContext.KeyRef"/>). <see cref="ToString"/> never shows it.
/// </summary>
/// <example>
/// <code>
/// await tokenlay.Keys.ConnectAsync(new TokenlayKeyConnection("acme", TokenlayKeyProvider.OpenAICompatible, customerKey)
/// {
///     BaseUrl = new Uri("https://openrouter.ai/api/v1"),
/// });
/// </code>
/// </example>
public sealed class TokenlayKeyConnection
{
    /// <summary>The longest <see cref="RefId"/> Tokenlay accepts.</summary>
    public const int MaxRefIdLength = 200;

    /// <summary>Creates a connection of <paramref name="key"/> for the customer <paramref name="refId"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="refId"/> or <paramref name="key"/> is empty, too long or holds control characters (the message never quotes the key).</exception>
    public TokenlayKeyConnection(string refId, TokenlayKeyProvider provider, string key)
    {
        RefId = CheckRefId(refId, nameof(refId));
        if (provider == default)
        {
            throw new ArgumentException("Name the key's provider, such as TokenlayKeyProvider.OpenAI.", nameof(provider));
        }
        Provider = provider;
        Key = CheckSecret(key, nameof(key));
    }

    /// <summary>The customer: free text, at most 200 characters; what calls name in <see cref="TokenlayRequestContext.KeyRef"/>.</summary>
    public string RefId { get; }

    /// <summary>The provider.</summary>
    public TokenlayKeyProvider Provider { get; }

    /// <summary>The provider API key. Sent to Tokenlay once; never shown by <see cref="ToString"/>.</summary>
    public string Key { get; }

    /// <summary>
    /// Where calls with the key go: required for <see cref="TokenlayKeyProvider.OpenAICompatible"/>
    /// (such as <c>https://openrouter.ai/api/v1</c>) and <see cref="TokenlayKeyProvider.AzureOpenAI"/>
    /// (the resource endpoint); the provider's own base otherwise.
    /// </summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>Azure OpenAI: the deployment (required) and API version.</summary>
    public TokenlayKeyConfig? Config { get; set; }

    /// <summary>A label to tell keys apart in lists and the dashboard.</summary>
    public string? Label { get; set; }

    /// <summary>Whether Tokenlay asks the provider to accept the key before it is stored (default true); a refused key is a <see cref="TokenlayValidationException"/> with code <c>invalid_provider_key</c>.</summary>
    public bool Validate { get; set; } = true;

    /// <summary>Makes a retried connect connect once. Generated when null, and the same on the SDK's own retries.</summary>
    public string? IdempotencyKey { get; set; }

    /// <summary>Describes the connection with the key redacted.</summary>
    public override string ToString() =>
        $"TokenlayKeyConnection {{ RefId = {RefId}, Provider = {Provider}, BaseUrl = {BaseUrl}, Key = {TokenlayOptions.Redact(Key)} }}";

    internal static string CheckRefId(string? refId, string paramName)
    {
        if (string.IsNullOrWhiteSpace(refId))
        {
            throw new ArgumentException("The customer's reference (RefId) must not be empty.", paramName);
        }
        if (refId!.Length > MaxRefIdLength)
        {
            throw new ArgumentException($"The customer's reference (RefId) must be at most {MaxRefIdLength} characters.", paramName);
        }
        foreach (char c in refId)
        {
            if (char.IsControl(c))
            {
                throw new ArgumentException("The customer's reference (RefId) must not contain CR, LF or other control characters.", paramName);
            }
        }
        return refId;
    }

    internal static string CheckSecret(string? key, string paramName)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new ArgumentException("The provider key must not be empty.", paramName);
        }
        foreach (char c in key!)
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c))
            {
                throw new ArgumentException("The provider key must not contain spaces, CR, LF or other control characters.", paramName);
            }
        }
        return key;
    }
}
