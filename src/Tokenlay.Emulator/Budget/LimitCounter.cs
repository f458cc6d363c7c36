namespace Tokenlay.Emulator.Budget;

/// <summary>
/// One limit's count for one key (a user, an org…) in one window: what has been used, and what is
/// held for calls in flight and reservations. A call is admitted only if its estimate fits in
/// <c>max - Used - Held</c>, so concurrent callers cannot jointly overspend. Every amount that
/// reaches it is bounded where it enters (caps, prices, record sizes), so decimal arithmetic here
/// cannot overflow.
/// </summary>
internal sealed class LimitCounter
{
    public decimal Used { get; set; }
    public decimal Held { get; set; }
    public decimal Current => Used + Held;
}
