using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.Extensions.Options;

namespace Tokenlay;

/// <summary>
/// Validates a registration's <see cref="TokenlayResilienceOptions"/> at start (ValidateOnStart),
/// in the ranges the Polly strategies accept, naming the configuration key to fix
/// (<c>'Tokenlay:Resilience:MaxRetryAttempts'</c>), so a bad value stops the host instead of the
/// first request.
/// </summary>
/// <remarks>Like <see cref="TokenlayOptionsValidator"/> it enforces until the options first validate, so a later bad reload cannot throw on a file watcher's thread.</remarks>
internal sealed class TokenlayResilienceOptionsValidator : IValidateOptions<TokenlayResilienceOptions>
{
    private static readonly TimeSpan s_day = TimeSpan.FromDays(1);
    private static readonly TimeSpan s_halfSecond = TimeSpan.FromMilliseconds(500);

    private readonly TokenlayRegistration _registration;
    private int _validatedOnce;

    public TokenlayResilienceOptionsValidator(TokenlayRegistration registration)
    {
        _registration = registration;
    }

    public ValidateOptionsResult Validate(string? name, TokenlayResilienceOptions options)
    {
        if (!string.Equals(name ?? Options.DefaultName, _registration.Name, StringComparison.Ordinal) || Volatile.Read(ref _validatedOnce) != 0)
        {
            return ValidateOptionsResult.Skip;
        }
        var failures = new List<string>();
        void Require(bool ok, string property, string rule)
        {
            if (!ok)
            {
                failures.Add($"{_registration.ResilienceSetting(property)} must be {rule}.");
            }
        }
        Require(options.MaxRetryAttempts >= 0, nameof(options.MaxRetryAttempts), "0 or more");
        Require(options.BaseDelay >= TimeSpan.Zero && options.BaseDelay <= s_day, nameof(options.BaseDelay), "between 0 and 1 day");
        Require(options.MaxRetryAfter >= TimeSpan.Zero, nameof(options.MaxRetryAfter), "0 or more");
        Require(options.AttemptTimeout == Timeout.InfiniteTimeSpan || (options.AttemptTimeout >= TimeSpan.FromMilliseconds(10) && options.AttemptTimeout <= s_day),
            nameof(options.AttemptTimeout), "between 10 ms and 1 day, or -00:00:00.001 (Timeout.InfiniteTimeSpan) for none");
        Require(options.ReadTimeout == Timeout.InfiniteTimeSpan || options.ReadTimeout > TimeSpan.Zero,
            nameof(options.ReadTimeout), "positive, or -00:00:00.001 (Timeout.InfiniteTimeSpan) for none");
        if (options.CircuitBreakerEnabled)
        {
            Require(options.FailureRatio > 0 && options.FailureRatio <= 1, nameof(options.FailureRatio), "more than 0 and at most 1");
            Require(options.MinimumThroughput >= 2, nameof(options.MinimumThroughput), "2 or more");
            Require(options.SamplingDuration >= s_halfSecond && options.SamplingDuration <= s_day, nameof(options.SamplingDuration), "between 0.5 seconds and 1 day");
            Require(options.BreakDuration >= s_halfSecond && options.BreakDuration <= s_day, nameof(options.BreakDuration), "between 0.5 seconds and 1 day");
        }
        if (failures.Count > 0)
        {
            return ValidateOptionsResult.Fail($"Tokenlay configuration '{_registration.Path}' is invalid: " + string.Join(" ", failures));
        }
        Volatile.Write(ref _validatedOnce, 1);
        return ValidateOptionsResult.Success;
    }
}
