using System;
using Tokenlay.Pipeline;

namespace Tokenlay;

/// <summary>
/// How the SDK decides whether a Tokenlay answer is worth another attempt, for a retry layer of the
/// app's own (Polly, Microsoft.Extensions.Http.Resilience) that should decide alike: the SDK's retry
/// policy and the DI package's resilience handler both use these.
/// </summary>
/// <remarks>An advanced type: with the SDK's own retries or <c>AddTokenlay</c>, nothing here needs calling.</remarks>
public static class TokenlayRetryRules
{
    /// <summary>
    /// The wait a server asks for, from <c>retry-after-ms</c> (preferred) or <c>Retry-After</c> (seconds
    /// or an HTTP date); null when absent or unusable (negative, NaN, beyond what a TimeSpan holds),
    /// so the caller's own back-off applies.
    /// </summary>
    /// <param name="retryAfter">The <c>Retry-After</c> header value, if any.</param>
    /// <param name="retryAfterMilliseconds">The <c>retry-after-ms</c> header value, if any.</param>
    /// <returns>The wait, or null.</returns>
    public static TimeSpan? GetRetryAfter(string? retryAfter, string? retryAfterMilliseconds) =>
        TokenlayErrorFactory.ParseRetryAfter(retryAfter, retryAfterMilliseconds);

    /// <summary>
    /// Whether an error body says a rule or limit refused the call (<c>limit_exceeded</c>): a 429 that
    /// says so will be refused again until the limit resets, so it is not retried.
    /// </summary>
    /// <param name="body">The error response's body (UTF-8 JSON); anything else answers false.</param>
    /// <returns>True for a refusal by a rule or limit.</returns>
    public static bool IsLimitRefusal(ReadOnlyMemory<byte> body) => TokenlayErrorFactory.BodySaysBlocked(body);

    /// <summary>
    /// Whether a connection failure will fail the same way on every attempt (a refused TLS handshake,
    /// an unknown host), so a retry only adds delay.
    /// </summary>
    /// <param name="exception">The exception of the failed attempt.</param>
    /// <returns>True when retrying cannot help.</returns>
    public static bool IsPermanentConnectionFailure(Exception? exception) => ConnectionFailures.IsPermanent(exception);
}
