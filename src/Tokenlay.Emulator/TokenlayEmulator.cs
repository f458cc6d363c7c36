using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tokenlay.Emulator.Budget;
using Tokenlay.Emulator.Credits;
using Tokenlay.Emulator.Endpoints;
using Tokenlay.Emulator.Hosting;
using Tokenlay.Emulator.Idempotency;
using Tokenlay.Emulator.Keys;
using Tokenlay.Emulator.Labels;
using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Metering.Persistence;
using Tokenlay.Emulator.Proxy;
using Tokenlay.Emulator.Upstream;
using Tokenlay.Emulator.Webhooks;

namespace Tokenlay.Emulator;

/// <summary>
/// A local Tokenlay proxy: OpenAI-compatible endpoints with metering, smart rules and Tokenlay's
/// usage, logs and pricing APIs. By default it simulates the provider, so it needs no network.
/// </summary>
/// <example>
/// <code>
/// await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
/// OpenAIClient openai = TokenlayOpenAIClient.Create(emulator.CreateClientOptions());
/// </code>
/// </example>
public sealed class TokenlayEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly WebhookNotifier _webhooks;
    private readonly ForwardingProvider? _forwarder;
    private readonly KeyVault _vault;
    private readonly KeyValidator? _validator;
    private CallLabeling? _labeling;

    private TokenlayEmulator(WebApplication app, Uri baseUrl, TokenlayEmulatorOptions options, UsageStore store, WebhookNotifier webhooks, ForwardingProvider? forwarder,
        KeyVault vault, KeyValidator? validator)
    {
        _vault = vault;
        _validator = validator;
        _app = app;
        BaseUrl = baseUrl;
        Options = options;
        Store = store;
        _webhooks = webhooks;
        _forwarder = forwarder;
    }

    /// <summary>The emulator's base URL (without <c>/v1</c>), for <see cref="TokenlayOptions.TokenlayBaseUrl"/>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The key clients authenticate with.</summary>
    public string Key => Options.Key;

    /// <summary>
    /// The dashboard's address, with the key in the fragment (after <c>#</c>), which browsers never
    /// send to a server: open it in a browser to see usage, cost, limits and the live call log.
    /// </summary>
    public Uri DashboardUrl => new(BaseUrl, "dashboard#key=" + Uri.EscapeDataString(Key));

    /// <summary>The options it runs with.</summary>
    public TokenlayEmulatorOptions Options { get; }

    /// <summary>The call log, for tests that look behind the API.</summary>
    public UsageStore Store { get; }

    /// <summary>Starts an emulator and returns once it listens.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    /// <exception cref="EmulatorStoreException">The <see cref="TokenlayEmulatorOptions.DataPath"/> or <see cref="TokenlayEmulatorOptions.StatePath"/> store cannot be opened or is corrupt.</exception>
    public static async Task<TokenlayEmulator> StartAsync(TokenlayEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new TokenlayEmulatorOptions();
        if (string.IsNullOrWhiteSpace(options.Key))
        {
            throw new ArgumentException("TokenlayEmulatorOptions.Key must not be empty.", nameof(options));
        }
        if (options.MaxRequestBodyBytes <= 0)
        {
            throw new ArgumentException("TokenlayEmulatorOptions.MaxRequestBodyBytes must be positive.", nameof(options));
        }
        if (options.DataPath is not null && options.StatePath is not null)
        {
            throw new ArgumentException("Set TokenlayEmulatorOptions.DataPath (--data) or StatePath (--state), not both.", nameof(options));
        }
        LabelingSetup.Validate(options);

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        builder.Logging.ClearProviders();
        if (options.LogToConsole)
        {
            builder.Logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
                // Issue 25 item 12: a start that fails (port in use) is thrown to the caller, which
                // says so in one line; the host's own "Hosting failed to start" stack trace is noise.
                .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        }
#if NET9_0_OR_GREATER
        builder.Services.AddOpenApi(); // the document generator exists from ASP.NET Core 9 on
#endif
        builder.Services.AddHostFiltering(h =>
        {
            h.AllowedHosts = LoopbackHosts.AllowedFor(options.Urls, options.AllowedHosts);
            h.IncludeFailureMessage = false;
        });
        builder.Services.ConfigureHttpJsonOptions(j => j.SerializerOptions.PropertyNamingPolicy = EmulatorJson.Options.PropertyNamingPolicy);
        WebApplication app = builder.Build();

        ILogger logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Tokenlay.Emulator");
        ICallPersistence? persistence = options.DataPath is { } data ? new SqliteCallStore(data, options.RetainDays, options.TimeProvider, logger)
            : options.StatePath is { } state ? new JsonStateFile(state, logger)
            : null;
        UsageStore store;
        try
        {
            store = new UsageStore(options.MaxLogEntries, persistence);
        }
        catch
        {
            persistence?.Dispose();
            await app.DisposeAsync();
            throw;
        }
        var webhooks = new WebhookNotifier(options.WebhookSecret, options.TimeProvider, logger, options.WebhookRetryDelays);
        ForwardingProvider? forwarder = options.Forward ? new ForwardingProvider(options.UpstreamTimeout) : null;
        ResponseArchive? archive = options.Forward ? null : new ResponseArchive();
        bool Serves(string model) => options.ExtraModels.Contains("*") || options.ExtraModels.Contains(model, StringComparer.OrdinalIgnoreCase)
            || store.Prices.Lists(model); // issue 25 item 8: exact ids and listed snapshots, not every name that starts with one
        IProvider provider = forwarder ?? (IProvider)new SimulatedProvider(options, archive!, Serves);
        // With --data the ledger and the idempotency keys live in the same database as the calls, written by its one writer.
        var sqlite = persistence as SqliteCallStore;
        var ledger = new Ledger(options.TimeProvider, sqlite is null ? null : new SqliteLedgerJournal(sqlite), new CreditRates(options.CreditsPerUsd, options.ModelCreditRates))
        {
            // A balance that crosses a threshold is told to the webhook targets of the rules that spend that account's credits.
            CreditAlerts = alert => Task.Run(() =>
            {
                string per = alert.Account[..alert.Account.IndexOf(':')];
                foreach (Rules.Rule rule in options.Rules.Where(r => r.Then.Credits?.Per == per))
                {
                    webhooks.Notify(rule, alert.Type, new System.Text.Json.Nodes.JsonObject
                    {
                        ["account"] = alert.Account, ["available"] = alert.Available, ["threshold"] = alert.Threshold,
                        ["below"] = alert.Alert?.Below, ["below_percent"] = alert.Alert?.BelowPercent,
                    });
                }
            }),
            // A limit's use that reached one of its alerts, told to the rule's webhook targets (limit.threshold).
            LimitAlerts = alert => Task.Run(() => webhooks.Notify(alert.Rule, "limit.threshold", new System.Text.Json.Nodes.JsonObject
            {
                ["rule_id"] = alert.Rule.Id,
                ["subject"] = (alert.Limit.TrackingKey ?? alert.Limit.Per) + ":" + alert.PerValue,
                ["limit"] = new System.Text.Json.Nodes.JsonObject
                {
                    ["type"] = alert.Limit.Type, ["window"] = alert.Limit.Window, ["per"] = alert.Limit.TrackingKey ?? alert.Limit.Per,
                    ["max"] = alert.Limit.Max, ["rolling"] = alert.Limit.Rolling,
                },
                ["current"] = alert.Current,
                ["max"] = alert.Limit.Max,
                ["threshold"] = alert.Alert.Written,
                ["threshold_kind"] = alert.Alert.AtPercent is null ? "at" : "at_percent",
                ["window_resets_at"] = alert.WindowResetsAt?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            })),
        };
        IIdempotencyJournal? answers = sqlite is null ? null : new SqliteIdempotencyJournal(sqlite);
        foreach (CallLogEntry cut in ledger.Restore(options.Rules, () => store.NextId().Sequence))
        {
            store.Add(cut);
        }
        KeyVault vault;
        try
        {
            // Connected keys: sealed with the vault key, kept in the --data database when there is one.
            vault = new KeyVault(new VaultCipher(VaultKeySource.Load(options, logger)), options.TimeProvider,
                sqlite is null ? null : new SqliteKeyJournal(sqlite), KeyVault.ActorOf(options.Key));
        }
        catch
        {
            // A vault key that is malformed or does not open the stored keys stops the start, and leaves nothing running.
            await webhooks.DisposeAsync();
            forwarder?.Dispose();
            store.Dispose();
            await app.DisposeAsync();
            throw;
        }
        KeyValidator? validator = options.Forward ? new KeyValidator(options.UpstreamTimeout < TimeSpan.FromSeconds(30) ? options.UpstreamTimeout : TimeSpan.FromSeconds(30)) : null;
        var admission = new RuleAdmission(options, ledger, webhooks);
        var idempotency = new IdempotencyStore(options.TimeProvider, options.IdempotencyKeyLifetime, options.MaxIdempotencyKeys, answers, "proxy");
        CallLabeling labeling = LabelingSetup.Create(options, provider, store, webhooks, sqlite);
        var proxy = new ProxyHandler(options, store, admission, idempotency, provider, labeling, app.Lifetime.ApplicationStopping, vault);

        // First of all: a DNS-rebinding page reaches 127.0.0.1 under its own host name, and tl_local is public.
        app.UseHostFiltering();
        app.UseExceptionHandler(error => error.Run(async http =>
        {
            Exception? e = http.Features.Get<IExceptionHandlerFeature>()?.Error;
            logger.LogError(e, "Unhandled error on {Path}", http.Request.Path);
            await ErrorResponses.WriteAsync(http, 500, "The emulator failed on this request: " + e?.GetType().Name + ". See its log.", "internal_error", "emulator_error");
        }));
        app.UseStatusCodePages(async pages =>
        {
            HttpContext http = pages.HttpContext;
            await ErrorResponses.WriteAsync(http, http.Response.StatusCode,
                http.Response.StatusCode == 405 ? $"{http.Request.Method} is not allowed on {http.Request.Path}." : $"No route for {http.Request.Method} {http.Request.Path}.",
                "invalid_request_error", http.Response.StatusCode == 405 ? "method_not_allowed" : "unknown_route");
        });
        byte[] expected = Encoding.UTF8.GetBytes("Bearer " + options.Key);
        app.Use(async (http, next) =>
        {
            // Every answer carries a request id, refusals included, so any response can be quoted to support;
            // every error says who produced it (provider errors set it themselves, the rest are ours).
            http.Response.OnStarting(static state =>
            {
                var response = (HttpResponse)state;
                if (!response.Headers.ContainsKey(TokenlayHeaderNames.RequestId))
                {
                    response.Headers[TokenlayHeaderNames.RequestId] = "req_" + Guid.NewGuid().ToString("N")[..24];
                }
                // The OpenAI SDKs expose x-request-id (request_id, _request_id); a relayed provider id is kept.
                if (!response.Headers.ContainsKey(TokenlayHeaderNames.OpenAIRequestId))
                {
                    response.Headers[TokenlayHeaderNames.OpenAIRequestId] = response.Headers[TokenlayHeaderNames.RequestId];
                }
                if (response.StatusCode >= 400 && !response.Headers.ContainsKey(TokenlayHeaderNames.ErrorSource))
                {
                    response.Headers[TokenlayHeaderNames.ErrorSource] = "tokenlay";
                }
                return Task.CompletedTask;
            }, http.Response);
            PathString path = http.Request.Path;
            bool open = path.StartsWithSegments("/v1/health") || path.StartsWithSegments("/openapi") || !path.StartsWithSegments("/v1");
            byte[] presented = Encoding.UTF8.GetBytes(http.Request.Headers.Authorization.ToString());
            if (!open && !CryptographicOperations.FixedTimeEquals(presented, expected))
            {
                await ErrorResponses.WriteAsync(http, 401,
                    "Missing or wrong Tokenlay key. Send 'Authorization: Bearer <key>' with the emulator's key (TokenlayOptions.TokenlayKey).",
                    "authentication_error", "invalid_api_key");
                return;
            }
            await next(http);
        });
#if NET9_0_OR_GREATER
        app.MapOpenApi();
#endif
        OpenAIEndpoints.Map(app, proxy, store, archive, options.Forward ? "forward" : "simulate", options.ExtraModels);
        CompanionEndpoints.Map(app, store);
        BudgetEndpoints.Map(app, store, admission, options, answers, labeling);
        CreditEndpoints.Map(app, ledger, options);
        BlocklistEndpoints.Map(app, ledger, options);
        ExportEndpoints.Map(app, store);
        KeyEndpoints.Map(app, vault, validator, options, answers);
        Dashboard.DashboardEndpoints.Map(app, options.Rules, ledger, webhooks);
        // The fallback also catches a known path asked with the wrong method: that is a 405 naming the methods allowed.
        app.MapFallback((HttpContext http) => RouteMethods.Allowed(app, http.Request.Path) is { Count: > 0 } allowed
            ? RouteMethods.NotAllowed(http, allowed)
            : CompanionEndpoints.Error(404, $"No route for {http.Request.Method} {http.Request.Path}.", "invalid_request_error", "unknown_route"));

        // The first call needs the tokenizer (megabytes of merges to load): load it beside Kestrel's
        // start instead of inside that call, so the first reply does not wait for it.
        _ = Task.Run(Tokens.TokenCounter.Warm, CancellationToken.None);
        await app.StartAsync(cancellationToken);
        string url = app.Urls.First();
        return new TokenlayEmulator(app, new Uri(url), options, store, webhooks, forwarder, vault, validator) { _labeling = labeling };
    }

    /// <summary>
    /// Options for a <see cref="TokenlayOpenAIClient"/> that talks to this emulator. In simulate mode
    /// the provider key is not used, so a placeholder is fine.
    /// </summary>
    public TokenlayOptions CreateClientOptions(string providerApiKey = "sk-emulator-not-used") => new()
    {
        TokenlayKey = Key,
        ProviderApiKey = providerApiKey,
        TokenlayBaseUrl = BaseUrl,
    };

    /// <summary>Completes when the emulator is stopped (Ctrl+C for the command-line app).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops listening, finishes webhooks and saves state.</summary>
    public async ValueTask DisposeAsync()
    {
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(stop.Token);
        }
        await _app.DisposeAsync();
        if (_labeling is not null)
        {
            await _labeling.DisposeAsync(); // replies still being labeled may send webhooks and update entries
        }
        await _webhooks.DisposeAsync();
        _forwarder?.Dispose();
        _validator?.Dispose();
        Store.Dispose();
        _vault.Dispose();
    }
}
