using System;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Net.Http;
using System.Threading;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI;
using Polly;
using Tokenlay.Companion;

namespace Tokenlay;

/// <summary>
/// The clients of one Tokenlay registration, built once from its options: transport from
/// IHttpClientFactory, one retry layer, live reload of keys and metadata, logging of rule outcomes.
/// </summary>
internal sealed class TokenlayHostedClients : IDisposable
{
    private readonly Lazy<OpenAIClient> _openAI;
    private readonly Lazy<TokenlayClient> _tokenlay;
    private IDisposable? _reloadSubscription;

    public TokenlayHostedClients(string name, IOptionsMonitor<TokenlayOptions> options, IOptionsMonitor<TokenlayResilienceOptions> resilience,
        IHttpClientFactory httpClients, ILoggerFactory loggers)
    {
        ILogger logger = loggers.CreateLogger("Tokenlay");
        Action<TokenlayResponseInfo> log = TokenlayLog.For(logger);
        bool polly = resilience.Get(name).Enabled;
        string httpName = TokenlayServiceCollectionExtensions.HttpClientName(name);

        _openAI = new Lazy<OpenAIClient>(() =>
        {
            var source = new TokenlaySettingsSource(TokenlaySettings.From(options.Get(name), alsoOnResponse: log));
            _reloadSubscription = options.OnChange((changed, changedName) =>
            {
                if (!string.Equals(changedName ?? Options.DefaultName, name, StringComparison.Ordinal))
                {
                    return;
                }
                try
                {
                    source.Update(TokenlaySettings.From(changed, alsoOnResponse: log));
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    // Keep serving with the last good settings rather than fail every call.
                    logger.LogError(e, "A Tokenlay configuration change was not applied: {Reason}", e.Message);
                }
            });
            HttpClient http = httpClients.CreateClient(httpName);
            return TokenlayOpenAIClient.Create(source, clientOptions =>
            {
                clientOptions.Transport = new HttpClientPipelineTransport(http);
                if (polly)
                {
                    // Polly owns retries and timeouts: a call is never retried twice over or cut by a second timer.
                    clientOptions.RetryPolicy = new ClientRetryPolicy(maxRetries: 0);
                    clientOptions.NetworkTimeout = Timeout.InfiniteTimeSpan;
                }
            });
        });

        _tokenlay = new Lazy<TokenlayClient>(() => new TokenlayClient(options.Get(name), new TokenlayClientOptions
        {
            Transport = new HttpClientPipelineTransport(httpClients.CreateClient(httpName)),
            RetryPolicy = polly ? new ClientRetryPolicy(maxRetries: 0) : null,
            NetworkTimeout = polly ? Timeout.InfiniteTimeSpan : null,
        }));
    }

    public OpenAIClient OpenAI => _openAI.Value;

    public TokenlayClient Tokenlay => _tokenlay.Value;

    public void Dispose() => _reloadSubscription?.Dispose();
}

/// <summary>One Polly pipeline per registration, shared by every handler the factory creates, so circuit state survives handler rotation.</summary>
internal sealed class TokenlayResiliencePipelines
{
    private readonly ConcurrentDictionary<string, ResiliencePipeline<HttpResponseMessage>> _pipelines = new(StringComparer.Ordinal);
    private readonly IOptionsMonitor<TokenlayResilienceOptions> _options;

    public TokenlayResiliencePipelines(IOptionsMonitor<TokenlayResilienceOptions> options)
    {
        _options = options;
    }

    public ResiliencePipeline<HttpResponseMessage> For(string name) =>
        _pipelines.GetOrAdd(name, n => TokenlayResilienceHandler.Build(_options.Get(n)));
}
