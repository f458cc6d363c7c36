using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Budget;

/// <summary>
/// The one ledger every limit is counted on: proxied calls (held at admission, settled when they
/// end), recorded usage and reservations. Every check and change happens under one lock, so N
/// concurrent callers against a limit of M can never jointly get past it: a token or cost limit
/// admits a call only if its estimate fits beside what is used and held, and a request or
/// concurrency limit counts the call as it checks it.
/// </summary>
internal sealed class Ledger
{
    /// <summary>Closed reservations stay visible (<c>GET /v1/reservations/{id}</c>) up to this many.</summary>
    public const int ClosedReservationsKept = 10_000;

    private readonly object _gate = new();
    private readonly Dictionary<string, LimitCounter> _counters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Reservation> _reservations = new(StringComparer.Ordinal);
    private readonly Queue<string> _closed = new();
    private readonly TimeProvider _time;

    public Ledger(TimeProvider time) => _time = time;

    /// <summary>
    /// Checks every limit of <paramref name="rule"/> for a call expected to use <paramref name="estimate"/>.
    /// When all fit, or when <paramref name="force"/> is set (the call goes on downgraded or warned), the
    /// call is counted and its estimate held. A call naming a live <paramref name="reservation"/> takes
    /// its estimate from the reservation first, and is not refused while the reservation covers it.
    /// </summary>
    public Hold Admit(Rule rule, IReadOnlyDictionary<string, object?> context, UsageEstimate estimate, bool force, Reservation? reservation = null)
    {
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            ExpireDue(now);
            reservation = reservation is { Active: true } ? reservation : null;
            List<LimitView> views = Evaluate(rule, context, estimate, reservation, now);
            LimitView? first = views.FirstOrDefault(v => !v.Fits);
            ExceededLimit? exceeded = first is null ? null : new ExceededLimit(first.Limit, first.PerValue, first.Current, first.ResetsAt);
            var hold = new Hold(rule, now, exceeded);
            if (exceeded is not null && !force)
            {
                return hold;
            }
            hold.Counted = true;
            hold.DrawnFrom = reservation;
            for (int i = 0; i < rule.Then.Limits.Count; i++)
            {
                RuleLimit limit = rule.Then.Limits[i];
                string key = views[i].Key;
                switch (limit.Type)
                {
                    case "requests":
                        Counter(key).Used += 1;
                        hold.RequestKeys.Add(key);
                        break;
                    case "concurrent":
                        _inFlight[key] = _inFlight.GetValueOrDefault(key) + 1;
                        hold.ConcurrencyKeys.Add(key);
                        break;
                    default:
                        decimal amount = estimate.For(limit.Type);
                        decimal fromReservation = Math.Min(amount, reservation?.RemainingFor(key) ?? 0);
                        decimal own = amount - fromReservation;
                        if (fromReservation > 0)
                        {
                            // Moves from the reservation's hold to the call's: the counter's Held is unchanged.
                            (string type, decimal left) = reservation!.Remaining[key];
                            reservation.Remaining[key] = (type, left - fromReservation);
                        }
                        Counter(key).Held += own;
                        hold.Lines.Add(new HoldLine(key, limit.Type, own, fromReservation));
                        break;
                }
            }
            return hold;
        }
    }

    /// <summary>
    /// Ends a call: releases its slots and held estimate, and counts what it actually used. A call
    /// that <paramref name="consumed"/> nothing (it failed before the provider produced anything)
    /// gives its request back. What a reservation lent and the call did not use goes back to it.
    /// </summary>
    public void Settle(Hold hold, long tokens, decimal? cost, bool consumed)
    {
        if (hold.Rule is null)
        {
            return;
        }
        lock (_gate)
        {
            foreach (string key in hold.ConcurrencyKeys)
            {
                if (_inFlight.TryGetValue(key, out int n))
                {
                    if (n <= 1) _inFlight.Remove(key); else _inFlight[key] = n - 1;
                }
            }
            if (!hold.Counted)
            {
                return;
            }
            if (!consumed)
            {
                foreach (string key in hold.RequestKeys)
                {
                    LimitCounter c = Counter(key);
                    c.Used = Math.Max(0, c.Used - 1);
                }
            }
            Reservation? reservation = hold.DrawnFrom;
            foreach (HoldLine line in hold.Lines)
            {
                LimitCounter c = Counter(line.Key);
                decimal actual = !consumed ? 0 : line.Type == "tokens" ? tokens : cost ?? 0;
                c.Held = Math.Max(0, c.Held - line.Own - line.FromReservation);
                c.Used += actual;
                decimal giveBack = line.FromReservation - Math.Min(actual, line.FromReservation);
                if (giveBack > 0 && reservation is { Active: true } && reservation.Remaining.TryGetValue(line.Key, out var left))
                {
                    reservation.Remaining[line.Key] = (left.Type, left.Amount + giveBack);
                    c.Held += giveBack;
                }
            }
            if (reservation is not null && consumed)
            {
                reservation.Calls++;
                reservation.UsedTokens += tokens;
                reservation.UsedCostUsd += cost ?? 0;
            }
        }
    }

    /// <summary>
    /// Counts usage that happened elsewhere (<c>POST /v1/usage/records</c>): the spending happened,
    /// so it is counted even past a limit. Returns the first limit that is now exceeded, if any.
    /// </summary>
    public ExceededLimit? Record(Rule rule, IReadOnlyDictionary<string, object?> context, DateTimeOffset at, long tokens, decimal? cost)
    {
        lock (_gate)
        {
            ExpireDue(_time.GetUtcNow());
            return RecordUnlocked(rule, context, at, tokens, cost);
        }
    }

    /// <summary>Where each limit of <paramref name="rule"/> stands for a call like this one; changes nothing (<c>POST /v1/check</c>).</summary>
    public IReadOnlyList<LimitView> Check(Rule rule, IReadOnlyDictionary<string, object?> context, UsageEstimate estimate, Reservation? reservation = null)
    {
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            ExpireDue(now);
            return Evaluate(rule, context, estimate, reservation is { Active: true } ? reservation : null, now);
        }
    }

    /// <summary>
    /// Holds <paramref name="estimate"/> on every token and cost limit of <paramref name="rule"/>
    /// (none when no rule applies) for <paramref name="ttl"/>, or refuses with the first limit
    /// it does not fit in.
    /// </summary>
    public (Reservation? Reservation, ExceededLimit? Exceeded) Reserve(
        Rule? rule, IReadOnlyDictionary<string, object?> context, IReadOnlyDictionary<string, string> metadata, string model, UsageEstimate estimate, TimeSpan ttl)
    {
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            ExpireDue(now);
            var reservation = new Reservation
            {
                Id = "rsv_" + Guid.NewGuid().ToString("N")[..24],
                Rule = rule, Metadata = metadata, Model = model, Estimate = estimate, CreatedAt = now, ExpiresAt = now + ttl,
            };
            if (rule is not null)
            {
                var lines = new List<(string Key, string Type, decimal Amount)>();
                for (int i = 0; i < rule.Then.Limits.Count; i++)
                {
                    RuleLimit limit = rule.Then.Limits[i];
                    if (limit.Type is not ("tokens" or "cost"))
                    {
                        continue;
                    }
                    string per = LimitKeys.PerValue(limit, context);
                    string key = LimitKeys.Key(rule, i, per, limit.Type, limit.Window, now);
                    decimal amount = estimate.For(limit.Type);
                    LimitCounter c = Counter(key);
                    if (amount > 0 && c.Current + amount > limit.Max)
                    {
                        return (null, new ExceededLimit(limit, per, c.Current, LimitKeys.NextWindowStart(limit.Window, now)));
                    }
                    lines.Add((key, limit.Type, amount));
                }
                foreach ((string key, string type, decimal amount) in lines)
                {
                    Counter(key).Held += amount;
                    reservation.Remaining[key] = (type, amount);
                }
            }
            _reservations[reservation.Id] = reservation;
            return (reservation, null);
        }
    }

    /// <summary>The reservation with this id (expired ones are marked so first).</summary>
    public Reservation? Find(string id)
    {
        lock (_gate)
        {
            ExpireDue(_time.GetUtcNow());
            return _reservations.GetValueOrDefault(id);
        }
    }

    /// <summary>
    /// Meters usage done outside the proxy against a reservation: it uses up the hold first; beyond
    /// it, it counts on the limits like any usage. Returns the first limit now exceeded, if any.
    /// </summary>
    public ExceededLimit? Commit(Reservation reservation, IReadOnlyDictionary<string, object?> context, long tokens, decimal? cost)
    {
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            ExpireDue(now);
            if (reservation.Active)
            {
                foreach ((string key, (string type, decimal left)) in reservation.Remaining.ToArray())
                {
                    decimal actual = type == "tokens" ? tokens : cost ?? 0;
                    decimal take = Math.Min(actual, left);
                    reservation.Remaining[key] = (type, left - take);
                    Counter(key).Held = Math.Max(0, Counter(key).Held - take);
                }
            }
            reservation.Calls++;
            reservation.UsedTokens += tokens;
            reservation.UsedCostUsd += cost ?? 0;
            // Counted on the reservation's own window keys where it holds, else on today's.
            return reservation.Rule is { } rule ? RecordUnlocked(rule, context, reservation.Active ? reservation.CreatedAt : now, tokens, cost) : null;
        }
    }

    /// <summary>Gives back what a reservation still holds; <paramref name="status"/> says why (released, expired).</summary>
    public void Release(Reservation reservation, string status = "released")
    {
        lock (_gate)
        {
            ReleaseUnlocked(reservation, status);
        }
    }

    /// <summary>
    /// Where every limit of <paramref name="rules"/> stands in its current window: the
    /// <paramref name="top"/> keys (users, orgs…) closest to the limit first.
    /// </summary>
    public IReadOnlyList<RuleStatus> Status(IReadOnlyList<Rule> rules, int top)
    {
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            ExpireDue(now);
            var result = new List<RuleStatus>(rules.Count);
            foreach (Rule rule in rules)
            {
                var limits = new List<LimitStatus>(rule.Then.Limits.Count);
                for (int i = 0; i < rule.Then.Limits.Count; i++)
                {
                    RuleLimit limit = rule.Then.Limits[i];
                    string prefix = rule.Id + "|" + i.ToString(CultureInfo.InvariantCulture) + "|";
                    string suffix = limit.Type == "concurrent" ? "" : "|" + LimitKeys.WindowStart(limit.Window, now).ToString("O", CultureInfo.InvariantCulture);
                    IEnumerable<KeyValuePair<string, decimal>> current = limit.Type == "concurrent"
                        ? _inFlight.Select(p => new KeyValuePair<string, decimal>(p.Key, p.Value))
                        : _counters.Select(p => new KeyValuePair<string, decimal>(p.Key, p.Value.Current));
                    var closest = current
                        .Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal) && p.Key.EndsWith(suffix, StringComparison.Ordinal) && p.Value > 0)
                        .Select(p => new LimitUsage(p.Key.Substring(prefix.Length, p.Key.Length - prefix.Length - suffix.Length), p.Value, Math.Max(0, limit.Max - p.Value)))
                        .OrderByDescending(u => u.Current).ThenBy(u => u.Key, StringComparer.Ordinal)
                        .Take(top)
                        .ToList();
                    limits.Add(new LimitStatus(limit.Type, limit.Window, limit.TrackingKey ?? limit.Per, limit.Max,
                        limit.Type == "concurrent" ? null : LimitKeys.NextWindowStart(limit.Window, now), closest));
                }
                result.Add(new RuleStatus(rule.Id, rule.Priority, rule.If, rule.Then.Model, rule.Then.OnLimitExceeded.Action, limits));
            }
            return result;
        }
    }

    private List<LimitView> Evaluate(Rule rule, IReadOnlyDictionary<string, object?> context, UsageEstimate estimate, Reservation? reservation, DateTimeOffset now)
    {
        var views = new List<LimitView>(rule.Then.Limits.Count);
        var keys = new string[rule.Then.Limits.Count];
        var pers = new string[rule.Then.Limits.Count];
        // A call is covered when the reservation it names holds its whole estimate on every token and cost limit.
        bool covered = reservation is not null;
        for (int i = 0; i < rule.Then.Limits.Count; i++)
        {
            RuleLimit limit = rule.Then.Limits[i];
            pers[i] = LimitKeys.PerValue(limit, context);
            keys[i] = LimitKeys.Key(rule, i, pers[i], limit.Type, limit.Window, now);
            if (covered && limit.Type is ("tokens" or "cost") && reservation!.RemainingFor(keys[i]) < estimate.For(limit.Type))
            {
                covered = false;
            }
        }
        for (int i = 0; i < rule.Then.Limits.Count; i++)
        {
            RuleLimit limit = rule.Then.Limits[i];
            string per = pers[i];
            DateTimeOffset? resets = limit.Type == "concurrent" ? null : LimitKeys.NextWindowStart(limit.Window, now);
            decimal current;
            bool fits;
            switch (limit.Type)
            {
                case "requests":
                    current = _counters.GetValueOrDefault(keys[i])?.Used ?? 0;
                    fits = covered || current + 1 <= limit.Max;
                    break;
                case "concurrent":
                    current = _inFlight.GetValueOrDefault(keys[i]);
                    fits = current + 1 <= limit.Max;
                    break;
                default:
                    current = _counters.GetValueOrDefault(keys[i])?.Current ?? 0;
                    decimal amount = estimate.For(limit.Type);
                    decimal own = amount - Math.Min(amount, reservation?.RemainingFor(keys[i]) ?? 0);
                    // With nothing to hold (no estimate), the call still needs some budget left.
                    fits = own > 0 ? current + own <= limit.Max : current < limit.Max || amount > 0;
                    break;
            }
            views.Add(new LimitView(limit, per, keys[i], current, Math.Max(0, limit.Max - current), resets, fits));
        }
        return views;
    }

    private ExceededLimit? RecordUnlocked(Rule rule, IReadOnlyDictionary<string, object?> context, DateTimeOffset at, long tokens, decimal? cost)
    {
        ExceededLimit? exceeded = null;
        for (int i = 0; i < rule.Then.Limits.Count; i++)
        {
            RuleLimit limit = rule.Then.Limits[i];
            if (limit.Type == "concurrent")
            {
                continue;
            }
            string per = LimitKeys.PerValue(limit, context);
            LimitCounter c = Counter(LimitKeys.Key(rule, i, per, limit.Type, limit.Window, at));
            c.Used += limit.Type switch { "requests" => 1, "tokens" => tokens, _ => cost ?? 0 };
            if (c.Current > limit.Max && exceeded is null)
            {
                exceeded = new ExceededLimit(limit, per, c.Current, LimitKeys.NextWindowStart(limit.Window, at));
            }
        }
        return exceeded;
    }

    private void ReleaseUnlocked(Reservation reservation, string status)
    {
        if (!reservation.Active)
        {
            return;
        }
        foreach ((string key, (_, decimal left)) in reservation.Remaining)
        {
            LimitCounter c = Counter(key);
            c.Held = Math.Max(0, c.Held - left);
        }
        reservation.Remaining.Clear();
        reservation.Status = status;
        _closed.Enqueue(reservation.Id);
        while (_closed.Count > ClosedReservationsKept)
        {
            _reservations.Remove(_closed.Dequeue());
        }
    }

    // Expiry is checked on every use of the ledger rather than by a timer, so a fake clock drives it exactly.
    private void ExpireDue(DateTimeOffset now)
    {
        if (_reservations.Count == _closed.Count)
        {
            return;
        }
        foreach (Reservation reservation in _reservations.Values.Where(r => r.Active && r.ExpiresAt <= now).ToList())
        {
            ReleaseUnlocked(reservation, "expired");
        }
    }

    private LimitCounter Counter(string key)
    {
        if (!_counters.TryGetValue(key, out LimitCounter? counter))
        {
            _counters[key] = counter = new LimitCounter();
        }
        return counter;
    }
}
