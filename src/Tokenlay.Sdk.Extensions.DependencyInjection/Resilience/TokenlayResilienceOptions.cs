using System;

namespace Tokenlay;

/// <summary>
/// The one resilience layer of a hosted Tokenlay client, run by Microsoft.Extensions.Http.Resilience
/// (Polly) around the HTTP handler. While it is on, the OpenAI pipeline's own retries are off and
/// its network timeout is replaced by <see cref="AttemptTimeout"/> (until the headers) and
/// <see cref="ReadTimeout"/> (each read of the body), so a call is never retried twice over or cut
/// by a second timer. Bound from the <c>Resilience</c> subsection of the Tokenlay configuration.
/// </summary>
public sealed class TokenlayResilienceOptions
{
    /// <summary>Whether Polly handles retries, timeouts and the circuit breaker. When off, the OpenAI pipeline retries as usual.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Retries after the first attempt (408, 429 and 5xx other than rule blocks, and connection failures that can clear). Default 3.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>First back-off when the server gives no Retry-After; exponential with jitter after. Default 1 second.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest Retry-After honoured; a longer one ends the call with the typed exception. Default 60 seconds.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    private TimeSpan? _attemptTimeout;
    private TimeSpan? _readTimeout;

    /// <summary>
    /// How long one attempt may wait for the response headers. It never covers reading the body,
    /// so a long stream is never cut. When not set, <see cref="TokenlayOptions.NetworkTimeout"/>
    /// (10 minutes unless set, because a non-streamed LLM reply only starts once it is complete).
    /// Between 10 ms and 1 day, or <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none.
    /// </summary>
    public TimeSpan AttemptTimeout
    {
        get => _attemptTimeout ?? TimeSpan.FromMinutes(10);
        set => _attemptTimeout = value;
    }

    /// <summary>
    /// How long a read of the response body may wait for data once the headers have arrived: the
    /// gap between streamed chunks, or the rest of a body that stalls. A stall past it fails with
    /// <see cref="TokenlayTimeoutException"/>. When not set, <see cref="TokenlayOptions.NetworkTimeout"/>
    /// (10 minutes unless set, because some models pause long before their first token), so the one
    /// timeout a plain client honours bounds a hosted one too;
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> disables it.
    /// </summary>
    public TimeSpan ReadTimeout
    {
        get => _readTimeout ?? TimeSpan.FromMinutes(10);
        set => _readTimeout = value;
    }

    /// <summary>Takes <see cref="TokenlayOptions.NetworkTimeout"/> for the timeouts that were not set here.</summary>
    internal void DefaultTimeoutsTo(TimeSpan networkTimeout)
    {
        _attemptTimeout ??= networkTimeout;
        _readTimeout ??= networkTimeout;
    }

    /// <summary>
    /// Whether a circuit breaker stops calls for <see cref="BreakDuration"/> after repeated failures
    /// to reach Tokenlay (connection failures, timeouts, Tokenlay's own 5xx). Provider errors and rate
    /// limits never count. An open breaker fails calls with <see cref="TokenlayCircuitOpenException"/>.
    /// Default on.
    /// </summary>
    public bool CircuitBreakerEnabled { get; set; } = true;

    /// <summary>The failure ratio that opens the circuit. Default 0.5.</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>How many calls in <see cref="SamplingDuration"/> before the ratio counts. Default 20.</summary>
    public int MinimumThroughput { get; set; } = 20;

    /// <summary>The window over which failures are counted. Default 30 seconds.</summary>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit stays open. Default 15 seconds.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);
}
