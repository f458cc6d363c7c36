using System.Collections.Generic;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Tokenlay;

/// <summary>Adds a Tokenlay health check.</summary>
public static class TokenlayHealthChecksBuilderExtensions
{
    /// <summary>Checks that Tokenlay answers <c>GET /v1/health</c>, with the client of a Tokenlay registration.</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="key">The keyed registration to use; null for the one made by <c>AddTokenlay</c>.</param>
    /// <param name="name">The health check's name.</param>
    /// <param name="failureStatus">The status to report when Tokenlay does not answer; Unhealthy by default.</param>
    /// <param name="tags">Tags for filtering, for example "ready".</param>
    public static IHealthChecksBuilder AddTokenlay(this IHealthChecksBuilder builder, string? key = null, string name = "tokenlay",
        HealthStatus? failureStatus = null, IEnumerable<string>? tags = null) =>
        builder.Add(new HealthCheckRegistration(
            name,
            sp => new TokenlayHealthCheck(key is null ? sp.GetRequiredService<TokenlayClient>() : sp.GetRequiredKeyedService<TokenlayClient>(key)),
            failureStatus,
            tags));
}
