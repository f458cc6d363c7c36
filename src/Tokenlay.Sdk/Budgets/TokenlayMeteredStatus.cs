namespace Tokenlay;

/// <summary>How a <see cref="Companion.TokenlayLimitsClient.RunMeteredAsync{T}"/> ended.</summary>
public enum TokenlayMeteredStatus
{
    /// <summary>The reservation was refused (a limit, the credit balance or the blocklist); the work did not run.</summary>
    Refused,

    /// <summary>The work ran and returned; its usage was committed (see <see cref="TokenlayMeteredResult{T}.CommitException"/> for the rare commit that failed).</summary>
    Succeeded,

    /// <summary>The work threw; the hold was released, nothing was metered.</summary>
    Failed,

    /// <summary>The work threw and the release failed too; the hold is returned when the reservation expires.</summary>
    FailedAndNotReleased,
}
