using System;
using Microsoft.AspNetCore.Http;
using Tokenlay.AspNetCore;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Wires Tokenlay attribution into an ASP.NET Core app. In this namespace so that it needs no extra <c>using</c>.</summary>
public static class TokenlayAspNetCoreExtensions
{
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
