using System;
using System.ClientModel.Primitives;
using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay.Pipeline;

/// <summary>
/// The OpenAI library's retry policy (408, 429, 5xx and connection failures), except that a call
/// blocked by a Tokenlay rule is never retried (whether the block is said by the header or only by
/// the body), a failure that cannot clear (an unresolvable host, a failed TLS handshake) is not
/// retried, and <c>Retry-After</c> is honoured exactly, up to <see cref="TokenlayOptions.MaxRetryAfter"/>;
/// a longer wait ends the call so the app can decide.
/// </summary>
internal sealed class TokenlayRetryPolicy : ClientRetryPolicy
{
    private readonly TimeSpan _initialDelay;
    private readonly TimeSpan _maxRetryAfter;
    private readonly TimeSpan _bodyTimeout;

    public TokenlayRetryPolicy(int maxRetries, TimeSpan initialDelay, TimeSpan maxRetryAfter, TimeSpan bodyTimeout)
        : base(maxRetries)
    {
        _initialDelay = initialDelay;
        _maxRetryAfter = maxRetryAfter;
        _bodyTimeout = bodyTimeout;
    }

    // The base decides first: it says no to a success at once, so the common path reads no header.
    protected override bool ShouldRetry(PipelineMessage message, Exception? exception)
    {
        if (!base.ShouldRetry(message, exception) || ConnectionFailures.IsPermanent(exception) || MustNotRetry(message))
        {
            return false;
        }
        if (message.Response is { } response && MayBeBlockWithoutHeader(response))
        {
            using CancellationTokenSource timeout = BodyTimeout(message);
            response.BufferContent(timeout.Token);
            return !TokenlayErrorFactory.BodySaysBlocked(response.Content.ToMemory());
        }
        return true;
    }

    protected override async ValueTask<bool> ShouldRetryAsync(PipelineMessage message, Exception? exception)
    {
        if (!await base.ShouldRetryAsync(message, exception).ConfigureAwait(false) || ConnectionFailures.IsPermanent(exception) || MustNotRetry(message))
        {
            return false;
        }
        if (message.Response is { } response && MayBeBlockWithoutHeader(response))
        {
            using CancellationTokenSource timeout = BodyTimeout(message);
            await response.BufferContentAsync(timeout.Token).ConfigureAwait(false);
            return !TokenlayErrorFactory.BodySaysBlocked(response.Content.ToMemory());
        }
        return true;
    }

    protected override TimeSpan GetNextDelay(PipelineMessage message, int tryCount)
    {
        if (message.Response is { } response && TokenlayErrorFactory.ReadRetryAfter(response.Headers) is { } retryAfter)
        {
            return retryAfter;
        }
        // Exponential back-off with ±20% jitter so that many clients failing together do not retry in step.
        double jitter = 0.8 + (0.4 * ThreadSafeRandom.NextDouble());
        double factor = Math.Pow(2, Math.Max(0, tryCount - 1));
        return TimeSpan.FromMilliseconds(_initialDelay.TotalMilliseconds * factor * jitter);
    }

    private bool MustNotRetry(PipelineMessage message)
    {
        if (message.Response is not { } response)
        {
            return false;
        }
        if (response.Headers.TryGetValue(TokenlayHeaderNames.RuleAction, out string? action)
            && string.Equals(action?.Trim(), "block", StringComparison.OrdinalIgnoreCase))
        {
            return true; // a limit block will not clear by retrying, and each retry would be metered
        }
        return TokenlayErrorFactory.ReadRetryAfter(response.Headers) is { } wait && wait > _maxRetryAfter;
    }

    // Only a rate-limit answer can be a block; reading its small error body costs nothing on success.
    private static bool MayBeBlockWithoutHeader(PipelineResponse response) => response.Status == 429;

    private CancellationTokenSource BodyTimeout(PipelineMessage message) => TokenlayFailures.BodyTimeout(_bodyTimeout, message.CancellationToken);

    private static class ThreadSafeRandom
    {
        [ThreadStatic]
        private static Random? t_random;

        public static double NextDouble() => (t_random ??= new Random(Environment.TickCount ^ Environment.CurrentManagedThreadId)).NextDouble();
    }
}
