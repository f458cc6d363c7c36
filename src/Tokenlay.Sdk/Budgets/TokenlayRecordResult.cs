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

    /// <summary>The reservation after the commit; null for a plain record.</summary>
    [JsonInclude]
    [JsonPropertyName("reservation")]
    internal TokenlayReservationState? ReservationState { get; init; }
}
