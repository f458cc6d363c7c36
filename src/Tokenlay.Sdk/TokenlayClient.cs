using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Threading;
using System.Threading.Tasks;
using Tokenlay.Companion;

namespace Tokenlay;

/// <summary>
/// The companion of <see cref="TokenlayOpenAIClient"/> for Tokenlay's own API: read usage and
/// logs back, manage prices, check health. Thread-safe; create one and share it.
/// </summary>
/// <example>
/// <code>
/// var tokenlay = new TokenlayClient(TokenlayOptions.FromEnvironment());
/// TokenlayUsage usage = await tokenlay.Usage.GetAsync(new TokenlayUsageQuery { User = "alice" });
/// Console.WriteLine($"{usage.Totals.Requests} calls, ${usage.Totals.CostUsd}");
/// </code>
/// </example>
public class TokenlayClient
{
    /// <summary>For mocking: the members are virtual.</summary>
    protected TokenlayClient()
    {
        Usage = null!;
        Logs = null!;
        Pricing = null!;
        Limits = null!;
        Keys = null!;
        Credits = null!;
        Blocklist = null!;
    }

    /// <summary>Creates a client. Only <see cref="TokenlayOptions.TokenlayKey"/> is required; no provider key is ever sent.</summary>
    /// <param name="options">Key and endpoint; validated now.</param>
    /// <param name="clientOptions">Optional pipeline settings (transport, logging, policies).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The key is missing or a setting is invalid; the message names it.</exception>
    public TokenlayClient(TokenlayOptions options, TokenlayClientOptions? clientOptions = null)
        : this(new TokenlaySettingsSource(options), clientOptions)
    {
    }

    /// <summary>A client reading its settings from <paramref name="source"/> on every call (hosting: live reload).</summary>
    /// <param name="source">The settings; <see cref="TokenlaySettingsSource.Update(TokenlayOptions)"/> applies to the next call.</param>
    /// <param name="clientOptions">Optional pipeline settings (transport, logging, policies).</param>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    public TokenlayClient(TokenlaySettingsSource source, TokenlayClientOptions? clientOptions = null)
    {
        if (source is null)
        {
            throw new ArgumentNullException(nameof(source));
        }
        var transport = new TokenlayApiTransport(source, clientOptions);
        Pipeline = transport.Pipeline;
        Usage = new TokenlayUsageClient(transport);
        Logs = new TokenlayLogsClient(transport);
        Pricing = new TokenlayPricingClient(transport);
        Limits = new TokenlayLimitsClient(transport);
        Keys = new TokenlayKeysClient(transport);
        Credits = new TokenlayCreditsClient(transport);
        Blocklist = new TokenlayBlocklistClient(transport);
        _transport = transport;
    }

    private readonly TokenlayApiTransport? _transport;

    /// <summary>The HTTP pipeline, for sending requests this client has no method for.</summary>
    public virtual ClientPipeline? Pipeline { get; }

    /// <summary>Usage totals by model, user and day.</summary>
    public virtual TokenlayUsageClient Usage { get; }

    /// <summary>The call log, paged.</summary>
    public virtual TokenlayLogsClient Logs { get; }

    /// <summary>Prices and overrides.</summary>
    public virtual TokenlayPricingClient Pricing { get; }

    /// <summary>Budgets before and outside the proxy: checks and reservations.</summary>
    public virtual TokenlayLimitsClient Limits { get; }

    /// <summary>The provider keys your customers bring: connect, rotate, validate, revoke, audit.</summary>
    public virtual TokenlayKeysClient Keys { get; }

    /// <summary>Prepaid credits: grants, balances, history, adjustments and tiers.</summary>
    public virtual TokenlayCreditsClient Credits { get; }

    /// <summary>Blocked subjects, with an optional expiry.</summary>
    public virtual TokenlayBlocklistClient Blocklist { get; }

    /// <summary>Asks Tokenlay whether it is up.</summary>
    /// <exception cref="TokenlayConnectionException">Tokenlay could not be reached.</exception>
    /// <exception cref="TokenlayException">Tokenlay answered with an error.</exception>
    public virtual Task<ClientResult<TokenlayHealth>> CheckHealthAsync(CancellationToken cancellationToken = default) =>
        Transport.SendAsync(HealthRequest, TokenlayJsonContext.Default.TokenlayHealth, cancellationToken);

    /// <summary>The synchronous form of <see cref="CheckHealthAsync"/>.</summary>
    /// <exception cref="TokenlayConnectionException">Tokenlay could not be reached.</exception>
    /// <exception cref="TokenlayException">Tokenlay answered with an error.</exception>
    public virtual ClientResult<TokenlayHealth> CheckHealth(CancellationToken cancellationToken = default) =>
        Transport.Send(HealthRequest, TokenlayJsonContext.Default.TokenlayHealth, cancellationToken);

    private static TokenlayApiRequest HealthRequest => new("GET", "/v1/health", "the health check");

    private TokenlayApiTransport Transport => _transport ?? throw new InvalidOperationException("This instance was created for mocking and has no transport.");
}
