using System;
using System.Globalization;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Tokenlay;

/// <summary>
/// The outermost handler of a hosted Tokenlay client. It turns the resilience layer's own
/// exceptions into the SDK's typed ones (an open breaker is <see cref="TokenlayCircuitOpenException"/>,
/// an attempt timeout a <see cref="TokenlayTimeoutException"/>), and bounds every read of a
/// response body by <see cref="TokenlayResilienceOptions.ReadTimeout"/>: the attempt timeout ends
/// when the headers arrive, and a body that stalls after them must not hang the caller.
/// </summary>
internal sealed class TokenlayHostedFailureHandler : DelegatingHandler
{
    private readonly TokenlayResilienceOptions _options;
    private readonly TokenlayRegistration _registration;

    /// <param name="options">The registration's resilience options.</param>
    /// <param name="registration">Names the settings in messages: configuration keys, or properties when set in code.</param>
    public TokenlayHostedFailureHandler(TokenlayResilienceOptions options, TokenlayRegistration registration)
    {
        _options = options;
        _registration = registration;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokenCircuitException e)
        {
            throw new TokenlayCircuitOpenException(
                $"{request.Method} {request.RequestUri} was not sent: the circuit breaker is open after repeated failures to reach Tokenlay" +
                (e.RetryAfter is { } wait ? $", and lets calls through again in {wait.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s" : "") +
                $". Nothing reached the proxy. Check that Tokenlay is up, or tune {_registration.ResilienceSetting("BreakDuration")} and {_registration.ResilienceSetting("FailureRatio")}.",
                e.RetryAfter, e);
        }
        catch (TimeoutRejectedException e)
        {
            throw new TokenlayTimeoutException(
                $"Tokenlay sent no response headers for {request.Method} {request.RequestUri} within the attempt timeout of " +
                $"{e.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s ({_registration.ResilienceSetting("AttemptTimeout")}).",
                null, e);
        }
        if (_options.ReadTimeout != Timeout.InfiniteTimeSpan && response.Content is { } content)
        {
            response.Content = new ReadTimeoutContent(content, _options.ReadTimeout, $"{request.Method} {request.RequestUri}", _registration.ResilienceSetting("ReadTimeout"));
        }
        return response;
    }
}
