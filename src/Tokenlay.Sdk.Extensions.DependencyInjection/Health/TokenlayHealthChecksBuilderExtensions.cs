using System;
using System.Collections.Generic;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Tokenlay;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds a Tokenlay health check.</summary>
public static class TokenlayHealthChecksBuilderExtensions
{
    /// <summary>The default bound of one health probe: under the 1 s a Kubernetes probe waits by default.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMilliseconds(800);

    /// <summary>
    /// Checks that Tokenlay answers <c>GET /v1/health</c>, with the settings of a Tokenlay registration.
    /// The probe makes one attempt bounded by <paramref name="timeout"/>, on a client of its own:
    /// it never retries, and it neither trips nor waits on the circuit breaker of real calls.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="key">The keyed registration to use; null for the one made by <c>AddTokenlay</c>.</param>
    /// <param name="name">The health check's name.</param>
    /// <param name="failureStatus">The status to report when Tokenlay does not answer; Unhealthy by default.</param>
    /// <param name="tags">Tags for filtering, for example "ready".</param>
    /// <param name="timeout">How long the one attempt may take; <see cref="DefaultTimeout"/> when null.</param>
    public static IHealthChecksBuilder AddTokenlay(this IHealthChecksBuilder builder, string? key = null, string name = "tokenlay",
        HealthStatus? failureStatus = null, IEnumerable<string>? tags = null, TimeSpan? timeout = null)
    {
        if (builder is null)
        {
            throw new ArgumentNullException(nameof(builder));
        }
        TimeSpan bound = timeout ?? DefaultTimeout;
        if (bound <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The health check timeout must be positive.");
        }
        return builder.Add(new HealthCheckRegistration(
            name,
            sp => new TokenlayHealthCheck(sp.GetRequiredKeyedService<TokenlayHostedClients>(key ?? "").CreateHealthClient(bound)),
            failureStatus,
            tags));
    }
}
