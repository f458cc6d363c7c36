namespace Tokenlay.Emulator.Budget;

/// <summary>
/// One limit's count for one key (a user, an org…) in one window (or, for a rolling limit, one
/// bucket): what has been used, and what is held for calls in flight and reservations. A call is
/// admitted only if its estimate fits in <c>max - Used - Held</c>, so concurrent callers cannot
/// jointly overspend. Every amount that reaches it is bounded where it enters (caps, prices,
/// record sizes), so decimal arithmetic here cannot overflow. A bucket of a rolling limit keeps its
/// subject's <see cref="Parent"/> totals in step with every change.
/// </summary>
internal sealed class LimitCounter
{
    private decimal _used;
    private decimal _held;

    public RollingTotals? Parent { get; init; }

    /// <summary>For a rolling bucket: it is older than the window, so its use no longer counts (what it holds still does).</summary>
    public bool Evicted { get; set; }

    public decimal Used
    {
        get => _used;
        set
        {
            if (Parent is not null && !Evicted)
            {
                Parent.Used += value - _used;
            }
            _used = value;
        }
    }

    public decimal Held
    {
        get => _held;
        set
        {
            if (Parent is not null)
            {
                Parent.Held += value - _held;
            }
            _held = value;
        }
    }

    public decimal Current => Used + Held;
}
