using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Tokenlay.AspNetCore;

/// <summary>Wires Tokenlay attribution into an ASP.NET Core app.</summary>
public static class TokenlayAspNetCoreExtensions
{
    /// <summary>Configures which claims become Tokenlay attribution.</summary>
    public static IServiceCollection AddTokenlayUserContext(this IServiceCollection services, Action<TokenlayUserContextOptions>? configure = null)
    {
        services.AddOptions<TokenlayUserContextOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }
        return services;
    }

    /// <summary>
    /// Attributes every Tokenlay-routed call made while handling a request to the signed-in user.
    /// Place it after <c>UseAuthentication()</c> (and after <c>UseRouting()</c> when endpoints use
    /// <see cref="WithTokenlayFeature{TBuilder}"/>).
    /// </summary>
    public static IApplicationBuilder UseTokenlayUserContext(this IApplicationBuilder app) =>
        app.UseMiddleware<TokenlayUserContextMiddleware>();

    /// <summary>Attributes the endpoint's LLM calls to a product feature (<c>x-tokenlay-feature</c>).</summary>
    public static TBuilder WithTokenlayFeature<TBuilder>(this TBuilder builder, string feature)
        where TBuilder : IEndpointConventionBuilder
    {
        if (string.IsNullOrWhiteSpace(feature))
        {
            throw new ArgumentException("Name the feature.", nameof(feature));
        }
        builder.Add(endpoint => endpoint.Metadata.Add(new TokenlayFeatureMetadata(feature)));
        return builder;
    }
}
