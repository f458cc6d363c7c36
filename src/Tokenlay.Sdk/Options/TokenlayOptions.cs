using System;
using System.Collections.Generic;
using System.Text;

namespace Tokenlay;

/// <summary>
/// Settings for routing OpenAI calls through Tokenlay: the keys, where the proxy and the provider
/// live, default metadata, and transport behaviour. Pass an instance to
/// <see cref="TokenlayOpenAIClient.Create(TokenlayOptions, Action{OpenAI.OpenAIClientOptions}?)"/>.
/// </summary>
/// <remarks>
/// Keys are never included in <see cref="ToString"/>, in exception messages, or in logs written by
/// this library. The options are read once when a client is created; later changes do not affect it.
/// </remarks>
public class TokenlayOptions
{
    /// <summary>The production Tokenlay endpoint, <c>https://api.tokenlay.com</c>.</summary>
    public static readonly Uri DefaultTokenlayBaseUrl = new("https://api.tokenlay.com");

    /// <summary>The provider base used when none is set, <c>https://api.openai.com/v1</c>.</summary>
    public static readonly Uri DefaultProviderApiBase = new("https://api.openai.com/v1");

    /// <summary>Environment variable read by <see cref="FromEnvironment"/> for <see cref="TokenlayKey"/>.</summary>
    public const string TokenlayKeyVariable = "TOKENLAY_KEY";

    /// <summary>Environment variable read by <see cref="FromEnvironment"/> for <see cref="ProviderApiKey"/>.</summary>
    public const string ProviderApiKeyVariable = "PROVIDER_API_KEY";

    /// <summary>Environment variable read by <see cref="FromEnvironment"/> for <see cref="ProviderApiBase"/>.</summary>
    public const string ProviderApiBaseVariable = "PROVIDER_API_BASE";

    /// <summary>Environment variable read by <see cref="FromEnvironment"/> for <see cref="TokenlayBaseUrl"/>.</summary>
    public const string TokenlayBaseUrlVariable = "TOKENLAY_BASE_URL";

    /// <summary>The Tokenlay proxy key, sent as <c>Authorization: Bearer</c>. Required.</summary>
    public string? TokenlayKey { get; set; }

    /// <summary>
    /// The provider's API key (for example an OpenAI <c>sk-…</c> key), sent to Tokenlay in
    /// <c>x-tokenlay-provider-key</c>. Optional: a proxy that holds the provider key itself needs
    /// none, and then the header is not sent. A <see cref="TokenlayRequestContext.ProviderApiKey"/>
    /// overrides it per request for customers who bring their own key.
    /// </summary>
    public string? ProviderApiKey { get; set; }

    /// <summary>The provider's base URL (absolute http or https); defaults to <see cref="DefaultProviderApiBase"/>.</summary>
    public Uri? ProviderApiBase { get; set; }

    /// <summary>
    /// The Tokenlay base URL; defaults to <see cref="DefaultTokenlayBaseUrl"/>. The SDK adds <c>/v1</c>,
    /// so a URL ending in <c>/v1</c> or <c>/v1/</c> (as the emulator prints its OpenAI-compatible API) means the same base.
    /// </summary>
    public Uri? TokenlayBaseUrl { get; set; }

    /// <summary>
    /// Metadata sent with every call as <c>x-tokenlay-{name}</c> headers (<c>user</c>, <c>org</c>,
    /// <c>plan</c>, <c>project</c>, <c>feature</c>, or any custom name). Scopes and per-call
    /// contexts override entries key by key. Names are case-insensitive.
    /// </summary>
    public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Headers sent verbatim with every call, for example to a gateway in front of Tokenlay.</summary>
    public IDictionary<string, string> ExtraHeaders { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// How long one attempt may wait for the proxy before it fails with
    /// <see cref="TokenlayTimeoutException"/>. Defaults to 10 minutes, because LLM calls are slow;
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> disables it.
    /// </summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How many times a failed attempt (connection failure, 408, 429, 5xx) is retried. Defaults to 3,
    /// as in the OpenAI library. A call blocked by a Tokenlay limit is never retried.
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>
    /// The longest <c>Retry-After</c> the client will wait for before retrying; a longer one ends the
    /// call with the typed exception at once so that the app can decide. Defaults to 60 seconds.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Allows an <c>http://</c> <see cref="TokenlayBaseUrl"/> on a host other than loopback. Off by
    /// default, because the provider key would travel in clear text.
    /// </summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>
    /// Called once per call with what Tokenlay reported (cost, tokens, rule applied), after the last
    /// retry and before the result or exception reaches the caller. For a streaming call it runs once
    /// the caller has received the last update (when it asks for the next one after it, so the loop
    /// over the updates has ended), or when the stream is disposed early, with the stream's cost and
    /// tokens when the proxy sent its summary. Exceptions it throws reach the caller.
    /// </summary>
    public Action<TokenlayResponseInfo>? OnResponse { get; set; }

    /// <summary>
    /// Whether and how the user appears as a tag on the <c>Tokenlay.Sdk</c> metrics. Defaults to
    /// <see cref="TokenlayUserTagMode.None"/>, because a tag per user makes unbounded series.
    /// </summary>
    public TokenlayUserTagMode TelemetryUserTag { get; set; }

    /// <summary>First retry back-off when the server gives no Retry-After; doubled on each retry.</summary>
    internal TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromSeconds(0.8);

    /// <summary>
    /// Reads <c>TOKENLAY_KEY</c>, <c>PROVIDER_API_KEY</c>, <c>PROVIDER_API_BASE</c> and
    /// <c>TOKENLAY_BASE_URL</c>. Missing variables leave the properties unset; validation happens
    /// when a client is created, with a message that names what is missing.
    /// </summary>
    /// <exception cref="ArgumentException"><c>TOKENLAY_BASE_URL</c> or <c>PROVIDER_API_BASE</c> is not an absolute URL.</exception>
    public static TokenlayOptions FromEnvironment() => new()
    {
        TokenlayKey = Read(TokenlayKeyVariable),
        ProviderApiKey = Read(ProviderApiKeyVariable),
        ProviderApiBase = ReadUri(ProviderApiBaseVariable, "https://api.openai.com/v1"),
        TokenlayBaseUrl = ReadUri(TokenlayBaseUrlVariable, "https://api.tokenlay.com"),
    };

    private static string? Read(string name)
    {
        string? value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrWhiteSpace(value) ? null : value!.Trim();
    }

    private static Uri? ReadUri(string name, string example)
    {
        string? text = Read(name);
        if (text is null)
        {
            return null;
        }
        return Uri.TryCreate(text, UriKind.Absolute, out Uri? parsed)
            ? parsed
            : throw new ArgumentException($"The environment variable {name} must be an absolute URL such as {example}.");
    }

    /// <summary>Describes the options with every key redacted.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("TokenlayOptions { ");
        text.Append("TokenlayBaseUrl = ").Append(TokenlayBaseUrl ?? DefaultTokenlayBaseUrl);
        text.Append(", TokenlayKey = ").Append(Redact(TokenlayKey));
        text.Append(", ProviderApiKey = ").Append(Redact(ProviderApiKey));
        text.Append(", ProviderApiBase = ").Append(ProviderApiBase ?? DefaultProviderApiBase);
        text.Append(", Metadata = [").Append(string.Join(", ", Metadata?.Keys ?? Array.Empty<string>())).Append(']');
        text.Append(", ExtraHeaders = [").Append(string.Join(", ", ExtraHeaders?.Keys ?? Array.Empty<string>())).Append(']');
        text.Append(", NetworkTimeout = ").Append(NetworkTimeout);
        text.Append(", MaxRetries = ").Append(MaxRetries);
        return text.Append(" }").ToString();
    }

    internal static string Redact(string? secret) => string.IsNullOrEmpty(secret) ? "(not set)" : "(set, redacted)";
}
