using System;
using System.ClientModel.Primitives;
using System.Net.Http;
using System.Threading;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI;
using Tokenlay.Companion;

namespace Tokenlay;

/// <summary>
/// The clients of one Tokenlay registration, built once from its options: transport from
/// IHttpClientFactory, one retry layer, live reload of keys and metadata, logging of rule outcomes.
/// Every client here (OpenAI, companion, health) reads the same settings source, so a reloaded key
/// applies to the next call of each.
/// </summary>
internal sealed class TokenlayHostedClients : IDisposable
{
    private readonly TokenlayRegistration _registration;
    private readonly IHttpClientFactory _httpClients;
    private readonly bool _resilience;
    private readonly Lazy<TokenlaySettingsSource> _source;
    private readonly Lazy<OpenAIClient> _openAI;
    private readonly Lazy<TokenlayClient> _tokenlay;
    private IDisposable? _reloadSubscription;

    public TokenlayHostedClients(TokenlayRegistration registration, IOptionsMonitor<TokenlayOptions> options, IOptionsMonitor<TokenlayResilienceOptions> resilience,
        IHttpClientFactory httpClients, ILoggerFactory loggers)
    {
        _registration = registration;
        _httpClients = httpClients;
        ILogger logger = loggers.CreateLogger("Tokenlay");
        Action<TokenlayResponseInfo> log = TokenlayLog.For(logger);
        string name = registration.Name;
        _resilience = resilience.Get(name).Enabled;
        string httpName = TokenlayRegistration.HttpClientName(name);

        _source = new Lazy<TokenlaySettingsSource>(() =>
        {
            var source = new TokenlaySettingsSource(options.Get(name), registration.ConfigurationPath, alsoOnResponse: log);
            _reloadSubscription = options.OnChange((changed, changedName) =>
            {
                if (!string.Equals(changedName ?? Options.DefaultName, name, StringComparison.Ordinal))
                {
                    return;
                }
                try
                {
                    source.Update(changed);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    // Keep serving with the last good settings rather than fail every call.
                    logger.LogError(e, "A Tokenlay configuration change was not applied: {Reason}", TokenlayOptionsValidator.Describe(e));
                }
            });
            return source;
        });

        _openAI = new Lazy<OpenAIClient>(() => TokenlayOpenAIClient.Create(_source.Value, clientOptions =>
        {
            clientOptions.Transport = new HttpClientPipelineTransport(httpClients.CreateClient(httpName));
            if (_resilience)
            {
                // The resilience handler owns retries and timeouts: a call is never retried twice over or cut by a second timer.
                clientOptions.RetryPolicy = new ClientRetryPolicy(maxRetries: 0);
                clientOptions.NetworkTimeout = Timeout.InfiniteTimeSpan;
            }
        }, attemptSpansInHttpHandler: _resilience));

        _tokenlay = new Lazy<TokenlayClient>(() => new TokenlayClient(_source.Value, new TokenlayClientOptions
        {
            Transport = new HttpClientPipelineTransport(httpClients.CreateClient(httpName)),
            RetryPolicy = _resilience ? new ClientRetryPolicy(maxRetries: 0) : null,
            NetworkTimeout = _resilience ? Timeout.InfiniteTimeSpan : null,
        }));
    }

    public OpenAIClient OpenAI => _openAI.Value;

    public TokenlayClient Tokenlay => _tokenlay.Value;

    /// <summary>
    /// A companion client for health probes: one attempt bounded by <paramref name="timeout"/>, on
    /// an HttpClient of its own with no retry and no breaker, so a probe answers fast and never
    /// trips or waits on the breaker of real calls. It shares the live settings (key reloads).
    /// </summary>
    public TokenlayClient CreateHealthClient(TimeSpan timeout) => new(_source.Value, new TokenlayClientOptions
    {
        Transport = new HttpClientPipelineTransport(_httpClients.CreateClient(TokenlayRegistration.HealthHttpClientName(_registration.Name))),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = timeout,
    });

    public void Dispose() => _reloadSubscription?.Dispose();
}
