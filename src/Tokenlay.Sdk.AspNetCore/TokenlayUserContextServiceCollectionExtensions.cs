using System;
using Tokenlay.AspNetCore;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Tokenlay's per-request user attribution. In this namespace so that it needs no extra <c>using</c>.</summary>
public static class TokenlayUserContextServiceCollectionExtensions
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
}
