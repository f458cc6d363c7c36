using System;
using System.Threading;
using Tokenlay.Pipeline;

namespace Tokenlay;

/// <summary>
/// <see cref="TokenlayOptions"/> checked and frozen: what a client keeps after creation, so later
/// changes to the options object cannot reach a running client.
/// </summary>
internal sealed class TokenlaySettings
{
    private TokenlaySettings(TokenlayOptions options, Uri baseUrl, string tokenlayKey, TokenlayResolvedContext defaults, Action<TokenlayResponseInfo>? alsoOnResponse,
        TokenlaySettingNames names)
    {
        Names = names;
        BaseUrl = baseUrl;
        Endpoint = new Uri(baseUrl.AbsoluteUri.TrimEnd('/') + "/v1");
        TokenlayKey = tokenlayKey;
        Defaults = defaults;
        NetworkTimeout = options.NetworkTimeout;
        MaxRetries = options.MaxRetries;
        MaxRetryAfter = options.MaxRetryAfter;
        InitialRetryDelay = options.InitialRetryDelay;
        OnResponse = options.OnResponse is { } own && alsoOnResponse is not null ? own + alsoOnResponse : options.OnResponse ?? alsoOnResponse;
        TelemetryUserTag = options.TelemetryUserTag;
    }

    public Uri BaseUrl { get; }

    /// <summary>How messages name the settings: options in code, or configuration keys under DI.</summary>
    public TokenlaySettingNames Names { get; }

    /// <summary>The OpenAI-compatible API root, <c>{BaseUrl}/v1</c>.</summary>
    public Uri Endpoint { get; }

    public string TokenlayKey { get; }

    public TokenlayResolvedContext Defaults { get; }

    public TimeSpan NetworkTimeout { get; }

    public int MaxRetries { get; }

    public TimeSpan MaxRetryAfter { get; }

    public TimeSpan InitialRetryDelay { get; }

    public Action<TokenlayResponseInfo>? OnResponse { get; }

    public TokenlayUserTagMode TelemetryUserTag { get; }

    public TokenlayRetryPolicy CreateRetryPolicy() => new(MaxRetries, InitialRetryDelay, MaxRetryAfter, NetworkTimeout);

    /// <summary>
    /// The base URL without a trailing <c>/v1</c> or <c>/v1/</c>: the emulator's banner and many
    /// gateways print the OpenAI-compatible root, and the SDK adds <c>/v1</c> itself.
    /// </summary>
    internal static Uri WithoutApiVersion(Uri baseUrl)
    {
        string path = baseUrl.AbsolutePath.TrimEnd('/');
        if (!path.EndsWith("/v1", StringComparison.OrdinalIgnoreCase))
        {
            return baseUrl;
        }
        return new UriBuilder(baseUrl) { Path = path.Substring(0, path.Length - 3) + "/" }.Uri;
    }

    /// <summary>Checks every setting and says which one to fix and how.</summary>
    /// <param name="options">The options to check.</param>
    /// <param name="alsoOnResponse">A callback run after the options' own <see cref="TokenlayOptions.OnResponse"/> (hosting adds logging this way).</param>
    /// <param name="names">How messages name the settings; <see cref="TokenlaySettingNames.Code"/> when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A setting is missing or invalid.</exception>
    public static TokenlaySettings From(TokenlayOptions options, Action<TokenlayResponseInfo>? alsoOnResponse = null, TokenlaySettingNames? names = null)
    {
        if (options is null)
        {
            throw new ArgumentNullException(nameof(options));
        }
        if (string.IsNullOrWhiteSpace(options.TokenlayKey))
        {
            throw new ArgumentException(
                $"{(names ?? TokenlaySettingNames.Code).TokenlayKey} is not set. Set it in code or configuration, or set the TOKENLAY_KEY environment variable and use TokenlayOptions.FromEnvironment().",
                nameof(options));
        }
        HeaderRules.EncodeValue(nameof(TokenlayOptions.TokenlayKey), options.TokenlayKey!, escapePercent: false, "TokenlayKey");

        Uri baseUrl = options.TokenlayBaseUrl ?? TokenlayOptions.DefaultTokenlayBaseUrl;
        if (!baseUrl.IsAbsoluteUri || (baseUrl.Scheme != Uri.UriSchemeHttps && baseUrl.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException(
                $"TokenlayOptions.TokenlayBaseUrl must be an absolute http(s) URL such as {TokenlayOptions.DefaultTokenlayBaseUrl}.",
                nameof(options));
        }
        baseUrl = WithoutApiVersion(baseUrl);
        if (baseUrl.Scheme == Uri.UriSchemeHttp && !baseUrl.IsLoopback && !options.AllowInsecureHttp)
        {
            throw new ArgumentException(
                $"TokenlayOptions.TokenlayBaseUrl uses http:// on {baseUrl.Host}, which would send your provider key in clear text. " +
                "Use https://, or set TokenlayOptions.AllowInsecureHttp = true if the network is trusted.",
                nameof(options));
        }
        if (options.MaxRetries < 0)
        {
            throw new ArgumentException("TokenlayOptions.MaxRetries must be 0 or more.", nameof(options));
        }
        if (options.NetworkTimeout <= TimeSpan.Zero && options.NetworkTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException("TokenlayOptions.NetworkTimeout must be positive, or Timeout.InfiniteTimeSpan.", nameof(options));
        }
        if (options.MaxRetryAfter < TimeSpan.Zero)
        {
            throw new ArgumentException("TokenlayOptions.MaxRetryAfter must not be negative.", nameof(options));
        }
        return new TokenlaySettings(options, baseUrl, options.TokenlayKey!.Trim(), TokenlayResolvedContext.FromOptions(options), alsoOnResponse,
            names ?? TokenlaySettingNames.Code);
    }
}
