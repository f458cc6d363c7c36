using System;
using Tokenlay.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the mapping of Tokenlay failures to HTTP answers. In this namespace so that it needs no extra <c>using</c>.</summary>
public static class TokenlayExceptionHandlerServiceCollectionExtensions
{
    /// <summary>
    /// Adds an <see cref="Microsoft.AspNetCore.Diagnostics.IExceptionHandler"/> that, with
    /// <c>app.UseExceptionHandler()</c> (and <c>services.AddProblemDetails()</c> to shape the body),
    /// answers a <see cref="Tokenlay.TokenlayLimitExceededException"/> with 429, its
    /// <c>Retry-After</c> and a problem+json body naming the rule and the limit, and a Tokenlay
    /// outage (<see cref="Tokenlay.TokenlayConnectionException"/>, <see cref="Tokenlay.TokenlayTimeoutException"/>,
    /// <see cref="Tokenlay.TokenlayCircuitOpenException"/>, <see cref="Tokenlay.TokenlayServerException"/>)
    /// with 503. Other exceptions are left to the next handler. No key, URL or exception message is
    /// written to the body.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddTokenlayExceptionHandler(this IServiceCollection services)
    {
        if (services is null)
        {
            throw new ArgumentNullException(nameof(services));
        }
        services.AddExceptionHandler<TokenlayExceptionHandler>();
        return services;
    }
}
