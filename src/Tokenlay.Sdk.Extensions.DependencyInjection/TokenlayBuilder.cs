using System;
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
    /// Registers a <see cref="ChatClient"/> for <paramref name="model"/>. Unkeyed registrations add
    /// it as <c>ChatClient</c> and keyed by the model name; keyed ones keyed by the registration
    /// name and by <c>"{name}/{model}"</c>.
    /// </summary>
    public TokenlayBuilder AddChatClient(string model) => AddModelClient(model, (openAI, m) => openAI.GetChatClient(m));

    /// <summary>Registers an <see cref="EmbeddingClient"/> for <paramref name="model"/>, keyed like <see cref="AddChatClient"/>.</summary>
    public TokenlayBuilder AddEmbeddingClient(string model) => AddModelClient(model, (openAI, m) => openAI.GetEmbeddingClient(m));

    /// <summary>Adjusts the resilience layer (retries, circuit breaker, attempt timeout).</summary>
    public TokenlayBuilder ConfigureResilience(Action<TokenlayResilienceOptions> configure)
    {
        Services.Configure(Name, configure);
        return this;
    }

    private TokenlayBuilder AddModelClient<TClient>(string model, Func<OpenAIClient, string, TClient> create)
        where TClient : class
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            throw new ArgumentException("Name the model, for example \"gpt-4o-mini\".", nameof(model));
        }
        string name = Name;
        if (IsKeyed)
        {
            Services.AddKeyedSingleton(name, (sp, _) => create(sp.GetRequiredKeyedService<OpenAIClient>(name), model));
            Services.AddKeyedSingleton(name + "/" + model, (sp, _) => create(sp.GetRequiredKeyedService<OpenAIClient>(name), model));
        }
        else
        {
            Services.AddSingleton(sp => create(sp.GetRequiredService<OpenAIClient>(), model));
            Services.AddKeyedSingleton(model, (sp, _) => create(sp.GetRequiredService<OpenAIClient>(), model));
        }
        return this;
    }
}
