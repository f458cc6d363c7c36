using System;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace Tokenlay;

/// <summary>Adds model clients and settings to a Tokenlay registration made by <c>AddTokenlay</c>.</summary>
public sealed class TokenlayBuilder
{
    internal TokenlayBuilder(IServiceCollection services, string name, IHttpClientBuilder httpClient)
    {
        Services = services;
        Name = name;
        HttpClient = httpClient;
    }

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The registration's name: empty for <c>AddTokenlay</c>, the key for <c>AddKeyedTokenlay</c>.</summary>
    public string Name { get; }

    /// <summary>The named HttpClient the clients use, for adding handlers of your own.</summary>
    public IHttpClientBuilder HttpClient { get; }

    private bool IsKeyed => Name.Length > 0;

    /// <summary>
    /// Registers a Microsoft.Extensions.AI <see cref="IChatClient"/> for <paramref name="model"/>,
    /// built on this registration's <see cref="OpenAIClient"/> with Microsoft.Extensions.AI.OpenAI's
    /// adapter, with <see cref="TokenlayChatClientBuilderExtensions.UseTokenlay(ChatClientBuilder)"/>
    /// already applied as the outermost layer. Chain more middleware on the returned builder
    /// (<c>.UseFunctionInvocation().UseOpenTelemetry().UseLogging()</c>). A keyed registration
    /// (<c>AddKeyedTokenlay("name")</c>) registers it keyed by its name.
    /// </summary>
    public ChatClientBuilder AddChatClient(string model)
    {
        RequireModel(model);
        return (IsKeyed
                ? Services.AddKeyedChatClient(Name, sp => OpenAIFor(sp).GetChatClient(model).AsIChatClient())
                : Services.AddChatClient(sp => OpenAIFor(sp).GetChatClient(model).AsIChatClient()))
            .UseTokenlay();
    }

    /// <summary>Like <see cref="AddChatClient"/>, registered keyed by <paramref name="serviceKey"/> (resolve with <c>[FromKeyedServices(key)] IChatClient</c>).</summary>
    public ChatClientBuilder AddKeyedChatClient(object serviceKey, string model)
    {
        RequireModel(model);
        return Services.AddKeyedChatClient(serviceKey ?? throw new ArgumentNullException(nameof(serviceKey)),
            sp => OpenAIFor(sp).GetChatClient(model).AsIChatClient()).UseTokenlay();
    }

    /// <summary>
    /// Registers a Microsoft.Extensions.AI <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> for
    /// <paramref name="model"/>, with Tokenlay response info on every result.
    /// </summary>
    public EmbeddingGeneratorBuilder<string, Embedding<float>> AddEmbeddingGenerator(string model)
    {
        RequireModel(model);
        return (IsKeyed
                ? Services.AddKeyedEmbeddingGenerator(Name, sp => OpenAIFor(sp).GetEmbeddingClient(model).AsIEmbeddingGenerator())
                : Services.AddEmbeddingGenerator(sp => OpenAIFor(sp).GetEmbeddingClient(model).AsIEmbeddingGenerator()))
            .UseTokenlay();
    }

    /// <summary>
    /// Registers the OpenAI library's own <see cref="ChatClient"/> for <paramref name="model"/>.
    /// Unkeyed registrations add it as <c>ChatClient</c> and keyed by the model name; keyed ones
    /// keyed by the registration name and by <c>"{name}/{model}"</c>.
    /// </summary>
    public TokenlayBuilder AddOpenAIChatClient(string model) => AddModelClient(model, (openAI, m) => openAI.GetChatClient(m));

    /// <summary>Registers the OpenAI library's own <see cref="EmbeddingClient"/> for <paramref name="model"/>, keyed like <see cref="AddOpenAIChatClient"/>.</summary>
    public TokenlayBuilder AddOpenAIEmbeddingClient(string model) => AddModelClient(model, (openAI, m) => openAI.GetEmbeddingClient(m));

    /// <summary>Adjusts the resilience layer (retries, circuit breaker, timeouts).</summary>
    public TokenlayBuilder ConfigureResilience(Action<TokenlayResilienceOptions> configure)
    {
        Services.Configure(Name, configure);
        return this;
    }

    private OpenAIClient OpenAIFor(IServiceProvider services) =>
        services.GetRequiredKeyedService<TokenlayHostedClients>(Name).OpenAI;

    private static void RequireModel(string model)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            throw new ArgumentException("Name the model, for example \"gpt-4o-mini\".", nameof(model));
        }
    }

    private TokenlayBuilder AddModelClient<TClient>(string model, Func<OpenAIClient, string, TClient> create)
        where TClient : class
    {
        RequireModel(model);
        if (IsKeyed)
        {
            Services.AddKeyedSingleton(Name, (sp, _) => create(OpenAIFor(sp), model));
            Services.AddKeyedSingleton(Name + "/" + model, (sp, _) => create(OpenAIFor(sp), model));
        }
        else
        {
            Services.AddSingleton(sp => create(OpenAIFor(sp), model));
            Services.AddKeyedSingleton(model, (sp, _) => create(OpenAIFor(sp), model));
        }
        return this;
    }
}
