using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;
using Tokenlay.Companion;

namespace Tokenlay;

/// <summary>The answer to a usage record or a reservation commit: the logged entry, and whether a limit is now exceeded.</summary>
public sealed class TokenlayRecordResult
{
    /// <summary>The log entry (<see cref="TokenlayLogEntry.Source"/> is <c>recorded</c> or <c>reservation</c>).</summary>
    public TokenlayLogEntry Entry { get => _entry ?? new TokenlayLogEntry(); init => _entry = value; }

    private readonly TokenlayLogEntry? _entry;

    /// <summary>
    /// Whether this usage took a limit past its maximum. It is recorded all the same (the spending
    /// happened); the next proxied call under that limit will be refused.
    /// </summary>
    public bool LimitExceeded { get; init; }

    /// <summary>The limit now exceeded, if any.</summary>
    public TokenlayLimitStatus? Limit { get; init; }

    /// <summary>The rule the usage fell under; null when none.</summary>
    public string? RuleId { get; init; }

    /// <summary>Where each limit of the rule stands after this usage, as a check would report it.</summary>
    public IReadOnlyList<TokenlayLimitStatus> Limits { get => _limits ?? Array.Empty<TokenlayLimitStatus>(); init => _limits = value; }

    private readonly IReadOnlyList<TokenlayLimitStatus>? _limits;

    /// <summary>The reservation after the commit; null for a plain record.</summary>
    [JsonInclude]
    [JsonPropertyName("reservation")]
    internal TokenlayReservationState? ReservationState { get; init; }
}
