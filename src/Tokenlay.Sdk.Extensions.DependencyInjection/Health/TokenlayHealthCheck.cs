using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Tokenlay;

/// <summary>Reports whether Tokenlay answers its health endpoint, with one attempt bounded by a short timeout.</summary>
internal sealed class TokenlayHealthCheck : IHealthCheck
{
    private readonly TokenlayClient _client;

    public TokenlayHealthCheck(TokenlayClient client)
    {
        _client = client;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            Companion.TokenlayHealth health = (await _client.CheckHealthAsync(cancellationToken).ConfigureAwait(false)).Value;
            return health.IsHealthy
                ? HealthCheckResult.Healthy("Tokenlay answers.")
                : new HealthCheckResult(context.Registration.FailureStatus, $"Tokenlay reports '{health.Status}'.");
        }
        catch (TokenlayException e)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Tokenlay is not reachable: " + e.Message, e);
        }
    }
}
