using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using Tokenlay.Pipeline;

namespace Tokenlay;

/// <summary>
/// Creates official <see cref="OpenAIClient"/> instances that talk to Tokenlay. Everything you get
/// from the client (chat, embeddings, responses, audio, images, moderation, models…) is routed,
/// metered, and attributed with the metadata of <see cref="TokenlayOptions"/>, the current
/// <see cref="TokenlayScope"/>, and any per-call context.
/// </summary>
/// <example>
/// <code>
/// OpenAIClient openai = TokenlayOpenAIClient.Create(TokenlayOptions.FromEnvironment());
/// ChatClient chat = openai.GetChatClient("gpt-4o-mini");
/// ChatCompletion reply = await chat.CompleteChatAsync("Hello!");
/// </code>
/// </example>
public static class TokenlayOpenAIClient
{
    /// <summary>The User-Agent application id the clients send, so Tokenlay can tell SDK versions apart.</summary>
    public static readonly string UserAgent = "tokenlay-dotnet/" + typeof(TokenlayOpenAIClient).Assembly.GetName().Version!.ToString(3);

    /// <summary>Creates an OpenAI client routed through Tokenlay.</summary>
    /// <param name="options">Keys, endpoints and defaults; validated now and copied, so later changes are not seen.</param>
    /// <param name="configureClient">
    /// Optional: adjusts the OpenAI client options (transport, logging, extra policies) before the
    /// client is built. The endpoint is set to Tokenlay after it runs.
    /// </param>
    /// <returns>A plain <see cref="OpenAIClient"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A key is missing or a setting is invalid; the message names it.</exception>
    public static OpenAIClient Create(TokenlayOptions options, Action<OpenAIClientOptions>? configureClient = null)
    {
        return Create(new TokenlaySettingsSource(options), configureClient);
    }

    /// <summary>Creates a client whose settings can be swapped later (configuration reload in hosting).</summary>
    /// <param name="source">The settings, read on every call; <see cref="TokenlaySettingsSource.Update(TokenlayOptions)"/> applies to the next one.</param>
    /// <param name="configureClient">Adjusts the client options before the endpoint is set.</param>
    /// <param name="attemptSpansInHttpHandler">
    /// True when the transport's HttpClient has a <see cref="TokenlayAttemptSpanHandler"/> inside its
    /// own retry handler (Microsoft.Extensions.Http.Resilience): that handler then opens one span per
    /// HTTP attempt, and the pipeline does not open its own.
    /// </param>
    /// <returns>A plain <see cref="OpenAIClient"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> is null.</exception>
    public static OpenAIClient Create(TokenlaySettingsSource source, Action<OpenAIClientOptions>? configureClient = null, bool attemptSpansInHttpHandler = false)
    {
        if (source is null)
        {
            throw new ArgumentNullException(nameof(source));
        }
        return new(source.Credential, CreateClientOptions(source, configureClient, attemptSpansInHttpHandler));
    }

    // OpenAIClientOptions freeze once a client is built, so every client gets fresh ones.
    private static OpenAIClientOptions CreateClientOptions(TokenlaySettingsSource source, Action<OpenAIClientOptions>? configureClient, bool spansInTransport)
    {
        TokenlaySettings settings = source.Current;
        var clientOptions = new OpenAIClientOptions
        {
            RetryPolicy = settings.CreateRetryPolicy(),
            NetworkTimeout = settings.NetworkTimeout,
            UserAgentApplicationId = UserAgent,
        };
        // Once per call, outermost first: the request headers (which also decide who takes the report),
        // typed errors around the report, so a refused call is reported before it is thrown.
        clientOptions.AddPolicy(new TokenlayRequestHeadersPolicy(source), PipelinePosition.PerCall);
        clientOptions.AddPolicy(new TokenlayErrorPolicy(source), PipelinePosition.PerCall);
        clientOptions.AddPolicy(TokenlayReportPolicy.Instance, PipelinePosition.PerCall);
        clientOptions.AddPolicy(new TokenlayAttemptPolicy(spansInTransport), PipelinePosition.PerTry);
        configureClient?.Invoke(clientOptions);
        clientOptions.Endpoint = settings.Endpoint;
        return clientOptions;
    }
}
