using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Tokenlay;

/// <summary>
/// Runs every HTTP attempt of a hosted Tokenlay client through one Polly pipeline: retry (with
/// jitter, honouring Retry-After, never for a rule block), circuit breaker, per-attempt timeout.
/// Polly's own exceptions are turned into the ones the SDK maps to its typed errors.
/// </summary>
internal sealed class TokenlayResilienceHandler : DelegatingHandler
{
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public TokenlayResilienceHandler(ResiliencePipeline<HttpResponseMessage> pipeline)
    {
        _pipeline = pipeline;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(
                static async (state, token) => await state.Handler.BaseSendAsync(state.Request, token).ConfigureAwait(false),
                (Handler: this, Request: request),
                cancellationToken).ConfigureAwait(false);
        }
        catch (BrokenCircuitException e)
        {
            throw new HttpRequestException("Calls to Tokenlay are paused: the circuit breaker opened after repeated failures and will let a call through again shortly.", e);
        }
        catch (TimeoutRejectedException e)
        {
            throw new TaskCanceledException($"Tokenlay sent no response headers within the attempt timeout of {e.Timeout.TotalSeconds:0.###} s (TokenlayResilienceOptions.AttemptTimeout).", e);
        }
    }

    private Task<HttpResponseMessage> BaseSendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);

    /// <summary>Builds the pipeline once per registration, so the circuit state outlives handler rotation.</summary>
    public static ResiliencePipeline<HttpResponseMessage> Build(TokenlayResilienceOptions options)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                Delay = options.BaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => new ValueTask<bool>(ShouldRetry(args.Outcome, options.MaxRetryAfter)),
                DelayGenerator = args => new ValueTask<TimeSpan?>(RetryAfter(args.Outcome.Result)),
            });
        }
        if (options.CircuitBreakerEnabled)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = options.FailureRatio,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = options.SamplingDuration,
                BreakDuration = options.BreakDuration,
                ShouldHandle = args => new ValueTask<bool>(IsTransientFailure(args.Outcome)),
            });
        }
        if (options.AttemptTimeout > TimeSpan.Zero && options.AttemptTimeout != Timeout.InfiniteTimeSpan)
        {
            builder.AddTimeout(options.AttemptTimeout);
        }
        return builder.Build();
    }

    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, TimeSpan maxRetryAfter)
    {
        if (!IsTransientFailure(outcome))
        {
            return false;
        }
        return outcome.Result is not { } response || RetryAfter(response) is not { } wait || wait <= maxRetryAfter;
    }

    internal static bool IsTransientFailure(Outcome<HttpResponseMessage> outcome)
    {
        if (outcome.Exception is not null)
        {
            return outcome.Exception is HttpRequestException or TimeoutRejectedException;
        }
        HttpResponseMessage response = outcome.Result!;
        if (response.Headers.TryGetValues("x-tokenlay-rule-action", out var actions)
            && actions.Any(a => string.Equals(a.Trim(), "block", StringComparison.OrdinalIgnoreCase)))
        {
            return false; // a limit block does not clear by retrying, and each retry would be metered
        }
        int status = (int)response.StatusCode;
        return status is 408 or 429 or 500 or 502 or 503 or 504;
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        if (response is null)
        {
            return null;
        }
        string? retryAfter = response.Headers.TryGetValues("Retry-After", out var values) ? values.FirstOrDefault() : null;
        string? milliseconds = response.Headers.TryGetValues("retry-after-ms", out var ms) ? ms.FirstOrDefault() : null;
        return TokenlayErrorFactory.ParseRetryAfter(retryAfter, milliseconds); // null: Polly's back-off with jitter applies
    }
}
