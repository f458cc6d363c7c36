using System;
using System.Net.Http;
using System.Threading;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI;

using Tokenlay;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers Tokenlay clients in a service collection. In this namespace, as Aspire and
/// Microsoft.Extensions.Azure do, so that <c>AddTokenlay</c> needs no extra <c>using</c>.
/// </summary>
public static class TokenlayServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="OpenAIClient"/> (routed through Tokenlay) and <see cref="TokenlayClient"/>,
    /// bound to <paramref name="configuration"/> (for example <c>builder.Configuration.GetSection("Tokenlay")</c>,
    /// with <c>TokenlayKey</c>, <c>ProviderApiKey</c>, <c>Metadata</c>… and a <c>Resilience</c> subsection).
    /// Settings the configuration leaves unset fall back to the environment variables
    /// <see cref="TokenlayOptions.FromEnvironment"/> reads (<c>TOKENLAY_KEY</c>, <c>PROVIDER_API_KEY</c>,
    /// <c>PROVIDER_API_BASE</c>, <c>TOKENLAY_BASE_URL</c>); a configured value wins.
    /// The options are validated when the host starts; a change to the configuration applies to
    /// later calls.
    /// </summary>
    public static TokenlayBuilder AddTokenlay(this IServiceCollection services, IConfiguration configuration) =>
        Add(services, Microsoft.Extensions.Options.Options.DefaultName, configuration, null);

    /// <summary>
    /// Registers Tokenlay with options set in code; see <see cref="AddTokenlay(IServiceCollection, IConfiguration)"/>.
    /// Settings the code leaves unset fall back to the same environment variables.
    /// </summary>
    public static TokenlayBuilder AddTokenlay(this IServiceCollection services, Action<TokenlayOptions> configure) =>
        Add(services, Microsoft.Extensions.Options.Options.DefaultName, null, configure ?? throw new ArgumentNullException(nameof(configure)));

    /// <summary>
    /// Registers a named Tokenlay setup (another project or provider) as keyed services: resolve
    /// with <c>[FromKeyedServices("name")] OpenAIClient</c>.
    /// </summary>
    public static TokenlayBuilder AddKeyedTokenlay(this IServiceCollection services, string name, IConfiguration configuration) =>
        Add(services, RequireName(name), configuration, null);

    /// <summary>Registers a named Tokenlay setup with options set in code.</summary>
    public static TokenlayBuilder AddKeyedTokenlay(this IServiceCollection services, string name, Action<TokenlayOptions> configure) =>
        Add(services, RequireName(name), null, configure ?? throw new ArgumentNullException(nameof(configure)));


    private static string RequireName(string name) =>
        string.IsNullOrWhiteSpace(name) ? throw new ArgumentException("A keyed Tokenlay registration needs a name.", nameof(name)) : name;

    private static TokenlayBuilder Add(IServiceCollection services, string name, IConfiguration? configuration, Action<TokenlayOptions>? configure)
    {
        if (services is null)
        {
            throw new ArgumentNullException(nameof(services));
        }
        OptionsBuilder<TokenlayOptions> options = services.AddOptions<TokenlayOptions>(name);
        OptionsBuilder<TokenlayResilienceOptions> resilience = services.AddOptions<TokenlayResilienceOptions>(name);
        TokenlayRegistration registration;
        if (configuration is not null)
        {
            options.Bind(configuration);
            resilience.Bind(configuration.GetSection("Resilience"));
            registration = new TokenlayRegistration(name, configuration is IConfigurationSection section ? section.Path : "(configuration root)", fromConfiguration: true);
        }
        else
        {
            registration = new TokenlayRegistration(name, "TokenlayOptions", fromConfiguration: false);
        }
        if (configure is not null)
        {
            options.Configure(configure);
        }
        // TOKENLAY_KEY, TOKENLAY_BASE_URL… fill what configuration and code leave unset (they win).
        services.AddSingleton<IPostConfigureOptions<TokenlayOptions>>(new TokenlayEnvironmentFallback(name));
        options.ValidateOnStart();
        services.AddSingleton<IValidateOptions<TokenlayOptions>>(new TokenlayOptionsValidator(registration));
        // The one timeout a plain client honours (NetworkTimeout) bounds the hosted attempt and reads
        // too, unless Resilience:AttemptTimeout / ReadTimeout are set.
        resilience.PostConfigure<IOptionsMonitor<TokenlayOptions>>((r, o) =>
        {
            try
            {
                r.DefaultTimeoutsTo(o.Get(name).NetworkTimeout);
            }
            catch (OptionsValidationException)
            {
                // Invalid Tokenlay options stop the start with their own message; not twice.
            }
        });
        resilience.ValidateOnStart();
        services.AddSingleton<IValidateOptions<TokenlayResilienceOptions>>(new TokenlayResilienceOptionsValidator(registration));
        services.AddKeyedSingleton(name, registration);

        services.AddLogging();
        IHttpClientBuilder http = services.AddHttpClient(TokenlayRegistration.HttpClientName(name))
            // LLM calls and streams run long: the HttpClient must not time them out; the resilience layer decides.
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            // One long-lived client per registration; pooled connections still follow DNS changes.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
            .AddHttpMessageHandler(sp => new TokenlayHostedFailureHandler(
                sp.GetRequiredService<IOptionsMonitor<TokenlayResilienceOptions>>().Get(name), registration));
        // The ecosystem's resilience handler: its registry keeps one pipeline per registration, so the
        // breaker's state outlives handler rotation, and a change to the options rebuilds it.
        http.AddResilienceHandler(TokenlayRegistration.HttpClientName(name), (pipeline, context) =>
        {
            context.EnableReloads<TokenlayResilienceOptions>(name);
            TokenlayResilience.Configure(pipeline, context.GetOptions<TokenlayResilienceOptions>(name));
        });
        // Inside the retry loop: one span per attempt.
        http.AddHttpMessageHandler(() => new TokenlayAttemptSpanHandler());

        // The health check's own client: one attempt, no retries, no breaker shared with real calls.
        services.AddHttpClient(TokenlayRegistration.HealthHttpClientName(name))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) });

        services.AddKeyedSingleton(name, (sp, _) => new TokenlayHostedClients(
            registration,
            sp.GetRequiredService<IOptionsMonitor<TokenlayOptions>>(),
            sp.GetRequiredService<IOptionsMonitor<TokenlayResilienceOptions>>(),
            sp.GetRequiredService<IHttpClientFactory>(),
            sp.GetRequiredService<ILoggerFactory>()));
        if (name.Length == 0)
        {
            services.AddSingleton(sp => sp.GetRequiredKeyedService<TokenlayHostedClients>(name).OpenAI);
            services.AddSingleton(sp => sp.GetRequiredKeyedService<TokenlayHostedClients>(name).Tokenlay);
        }
        else
        {
            services.AddKeyedSingleton(name, (sp, _) => sp.GetRequiredKeyedService<TokenlayHostedClients>(name).OpenAI);
            services.AddKeyedSingleton(name, (sp, _) => sp.GetRequiredKeyedService<TokenlayHostedClients>(name).Tokenlay);
        }
        return new TokenlayBuilder(services, name, http);
    }
}
