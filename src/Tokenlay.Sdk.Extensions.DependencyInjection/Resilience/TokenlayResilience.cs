using System;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;
using Tokenlay.Pipeline;
using Tokenlay.Wire;

namespace Tokenlay;

/// <summary>
/// Configures the resilience pipeline of a hosted Tokenlay client on the ecosystem's
/// <c>AddResilienceHandler</c> (Microsoft.Extensions.Http.Resilience): retry, circuit breaker and
/// per-attempt timeout, ordered as in its standard handler, with Tokenlay's rules for what may be
/// retried and what counts against the breaker.
/// </summary>
internal static class TokenlayResilience
{
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, TokenlayResilienceOptions options)
    {
        if (!options.Enabled)
        {
            return;
        }
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                Delay = options.BaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = false, // Retry-After and retry-after-ms are read below, capped and overflow-safe
                ShouldHandle = args => ShouldRetryAsync(args.Outcome, args.Context, options.MaxRetryAfter),
                DelayGenerator = args => new ValueTask<TimeSpan?>(RetryAfter(args.Outcome.Result)),
            });
        }
        if (options.CircuitBreakerEnabled)
        {
            builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = options.FailureRatio,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = options.SamplingDuration,
                BreakDuration = options.BreakDuration,
                ShouldHandle = args => new ValueTask<bool>(IsTokenlayOutage(args.Outcome)),
            });
        }
        if (options.AttemptTimeout > TimeSpan.Zero && options.AttemptTimeout != Timeout.InfiniteTimeSpan)
        {
            builder.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = options.AttemptTimeout });
        }
    }

    /// <summary>
    /// Whether an attempt may be retried: connection failures that can clear and attempt timeouts;
    /// 408, 429 and 5xx, except a rule block (by header or by body), a Retry-After longer than the
    /// cap, and a non-idempotent request without the idempotency key that makes its retry safe.
    /// </summary>
    internal static async ValueTask<bool> ShouldRetryAsync(Outcome<HttpResponseMessage> outcome, ResilienceContext context, TimeSpan maxRetryAfter)
    {
        if (context.GetRequestMessage() is { } request && !MayResend(request))
        {
            return false;
        }
        if (outcome.Exception is { } exception)
        {
            return exception is HttpRequestException or TimeoutRejectedException && !TokenlayRetryRules.IsPermanentConnectionFailure(exception);
        }
        HttpResponseMessage response = outcome.Result!;
        int status = (int)response.StatusCode;
        if (status is not (408 or 429 or >= 500) || SaysBlock(response))
        {
            return false;
        }
        if (RetryAfter(response) is { } wait && wait > maxRetryAfter)
        {
            return false;
        }
        if (status == 429)
        {
            // A block sent without its header still says so in the body; it is small, and HttpContent
            // buffers what it has read, so the SDK can read it again for the exception.
            byte[] body = await response.Content.ReadAsByteArrayAsync(context.CancellationToken).ConfigureAwait(false);
            return !TokenlayRetryRules.IsLimitRefusal(body);
        }
        return true;
    }

    /// <summary>
    /// What the breaker counts: Tokenlay itself failing (no connection, attempt timeouts, its own
    /// 5xx or 408). A provider's errors and any rate limit say nothing about whether Tokenlay is up,
    /// and counting them would let one tenant's exhausted quota stop every other tenant's calls.
    /// </summary>
    internal static bool IsTokenlayOutage(Outcome<HttpResponseMessage> outcome)
    {
        if (outcome.Exception is { } exception)
        {
            return exception is HttpRequestException or TimeoutRejectedException;
        }
        HttpResponseMessage response = outcome.Result!;
        int status = (int)response.StatusCode;
        if (status is not (408 or >= 500) || SaysBlock(response))
        {
            return false;
        }
        return !(Header(response, TokenlayHeaderNames.ErrorSource) is { } source
                 && string.Equals(source.Trim(), "provider", StringComparison.OrdinalIgnoreCase));
    }

    // Safe methods may always be resent; the SDK's calls carry one idempotency key across attempts,
    // so the proxy meters a resent POST once. A POST without one (a handler of the app's own) is not resent.
    private static bool MayResend(HttpRequestMessage request) =>
        request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Method == HttpMethod.Options
        || request.Headers.Contains(TokenlayHeaderNames.IdempotencyKey);

    private static bool SaysBlock(HttpResponseMessage response) =>
        Header(response, TokenlayHeaderNames.RuleAction) is { } action && string.Equals(action.Trim(), "block", StringComparison.OrdinalIgnoreCase);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static TimeSpan? RetryAfter(HttpResponseMessage? response) =>
        response is null
            ? null
            : TokenlayRetryRules.GetRetryAfter(Header(response, TokenlayHeaderNames.RetryAfter), Header(response, "retry-after-ms")); // null: back-off with jitter
}
