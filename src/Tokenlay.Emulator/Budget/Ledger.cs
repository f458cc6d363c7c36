using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Tokenlay.Emulator.Budget.Journal;
using Tokenlay.Emulator.Credits;
using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Budget;

/// <summary>
/// The one ledger every limit is counted on, and the only owner of what is in flight: proxied calls
/// (held at admission, settled when they end), recorded usage and reservations. Every check and
/// change happens under one lock, so N concurrent callers against a limit of M can never jointly
/// get past it: a token or cost limit admits a call only if its whole estimate (its output cap
/// included) fits beside what is used and held, and a request or concurrency limit counts the call
/// as it checks it. With a journal (<c>--data</c>) every change is written in order, so counters,
/// holds and reservations survive a restart, and a crash counts what it cut at its hold.
/// </summary>
internal sealed class Ledger
{
    /// <summary>Closed reservations stay visible (<c>GET /v1/reservations/{id}</c>) up to this many.</summary>
    public const int ClosedReservationsKept = 10_000;

    private static readonly TimeSpan s_pruneEvery = TimeSpan.FromMinutes(1);

    private readonly object _gate = new();
    private readonly Dictionary<CounterKey, LimitCounter> _counters = new();
    private readonly Dictionary<CounterKey, int> _inFlight = new();
    private readonly Dictionary<CounterKey, RollingTotals> _rolling = new();
    private readonly Dictionary<string, int> _callsInFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<(CounterKey Window, int Alert), DateTimeOffset> _fired = new();
    private readonly Dictionary<string, Reservation> _reservations = new(StringComparer.Ordinal);
    private readonly Queue<string> _closed = new();
    private readonly TimeProvider _time;
    private readonly ILedgerJournal? _journal;
    private readonly CreditBook _credits;
    private readonly Blocklist _blocklist;
    private readonly CreditRates _rates;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    public Ledger(TimeProvider time, ILedgerJournal? journal = null, CreditRates? rates = null)
    {
        _time = time;
        _journal = journal;
        _credits = new CreditBook(journal is null ? null : journal.Write);
        _blocklist = new Blocklist(journal is null ? null : journal.Write);
        _rates = rates ?? new CreditRates(100m, new Dictionary<string, Pricing.ModelPrice>());
    }

    /// <summary>Called (under the ledger's lock: it must not block) when a limit's use crosses one of its <c>alerts</c>.</summary>
    public Action<LimitThreshold>? LimitAlerts { get; set; }

    /// <summary>Called (under the ledger's lock: it must not block) when a credit balance crosses a threshold.</summary>
    public Action<CreditAlertEvent>? CreditAlerts { get; set; }

    /// <summary>Runs <paramref name="operation"/> on the credit accounts under the ledger's lock, after expiries and refills now due.</summary>
    public T Credits<T>(Func<CreditBook, DateTimeOffset, T> operation)
    {
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            Housekeep(now);
            T result = operation(_credits, now);
            RaiseAlerts();
            return result;
        }
    }

    /// <summary>How many counters are kept (ended windows are pruned): for tests of bounded memory.</summary>
    public int CounterCount
    {
        get
        {
            lock (_gate)
            {
                return _counters.Count;
            }
        }
    }

    /// <summary>
    /// Loads what the journal kept. Holds still open were cut by a crash: each is counted as used at
    /// its estimate, and the call's log entry is returned so that it can be logged as such, under a
    /// new sequence number from <paramref name="nextSequence"/> (so it cannot clash with this run's calls).
    /// </summary>
    public IReadOnlyList<CallLogEntry> Restore(IReadOnlyList<Rule> rules, Func<long> nextSequence)
    {
        if (_journal is null)
        {
            return [];
        }
        LedgerSnapshot snapshot = _journal.Load();
        var recovered = new List<CallLogEntry>();
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            _credits.Restore(snapshot);
            _blocklist.Restore(snapshot.Blocks);
            foreach (CounterRow row in snapshot.Counters)
            {
                Counter(row.Key).Used = row.Used;
            }
            foreach (ReservationRow row in snapshot.Reservations.OrderBy(r => r.CreatedAt))
            {
                Rule? rule = row.RuleId is null ? null : rules.FirstOrDefault(r => r.Id == row.RuleId);
                var reservation = new Reservation
                {
                    Id = row.Id, Rule = rule, Metadata = row.Metadata, Model = row.Model, Estimate = new UsageEstimate(row.EstimateTokens, row.EstimateCostUsd),
                    CreatedAt = row.CreatedAt, ExpiresAt = row.ExpiresAt, Status = row.Status,
                    UsedTokens = row.UsedTokens, UsedCostUsd = row.UsedCostUsd, Calls = row.Calls,
                    CreditAccount = row.CreditAccount, CreditsHeld = row.CreditsHeld,
                };
                _reservations[reservation.Id] = reservation;
                if (!reservation.Active)
                {
                    _closed.Enqueue(reservation.Id);
                    continue;
                }
                if (row.RuleId is not null && rule is null)
                {
                    // Its rule is gone from the rules file: nothing it held can be counted any more.
                    reservation.Status = "released";
                    _closed.Enqueue(reservation.Id);
                    _journal.Write(new LedgerChange.Reservation(RowOf(reservation)));
                    continue;
                }
                foreach (RemainingRow left in row.Remaining)
                {
                    reservation.Remaining[left.Key] = (left.Kind, left.Amount);
                    Counter(left.Key).Held += left.Amount;
                }
                if (reservation.CreditAccount is { } creditAccount)
                {
                    _credits.TryHold(creditAccount, reservation.CreditsHeld, allowOverage: true, now, out _);
                }
            }
            foreach (HoldRow hold in snapshot.Holds)
            {
                foreach (HoldLine line in hold.Lines)
                {
                    LimitCounter c = Counter(line.Key);
                    c.Used += line.Own + line.FromReservation;
                    Journal(line.Key, c);
                }
                if (hold.Credits is { } credits)
                {
                    // Cut by a crash: burned at what it held, like the limits.
                    _credits.Burn(credits.Account, credits.Amount, 0, now, hold.Id, hold.InputTokens, hold.OutputTokens);
                }
                _journal.Write(new LedgerChange.HoldClosed(hold.Id));
                if (System.Text.Json.Nodes.JsonNode.Parse(hold.EntryJson) is System.Text.Json.Nodes.JsonObject json)
                {
                    json["sequence"] = nextSequence();
                    CallLogEntry entry = json.Deserialize<CallLogEntry>(EmulatorJson.Options)!;
                    entry.InputTokens = hold.InputTokens;
                    entry.OutputTokens = hold.OutputTokens;
                    entry.CostUsd = hold.CostUsd;
                    entry.Counted = true;
                    entry.Success = false;
                    entry.Status = 499;
                    entry.UsageSource = "held";
                    entry.Error = "The emulator stopped before this call ended; it is metered at what it held.";
                    recovered.Add(entry);
                }
            }
            Housekeep(now);
        }
        return recovered;
    }

    /// <summary>
    /// A proxied call of <paramref name="user"/> begins: returns how many of the user's calls are in
    /// flight with it (<c>usage.concurrent</c> in a rule's <c>if</c>). The ledger is the one place in-flight calls are counted.
    /// </summary>
    public int Enter(string user)
    {
        lock (_gate)
        {
            int n = _callsInFlight.GetValueOrDefault(user) + 1;
            _callsInFlight[user] = n;
            return n;
        }
    }

    /// <summary>A proxied call of <paramref name="user"/> ended; at zero the user is forgotten, so memory follows the users in flight.</summary>
    public void Leave(string user)
    {
        lock (_gate)
        {
            int n = _callsInFlight.GetValueOrDefault(user) - 1;
            if (n <= 0) _callsInFlight.Remove(user); else _callsInFlight[user] = n;
        }
    }

    /// <summary>The active blocklist entry that refuses a call with this context, if any (<c>/v1/blocklist</c>, <c>block_for</c>).</summary>
    public BlockEntry? Blocked(IReadOnlyDictionary<string, object?> context)
    {
        lock (_gate)
        {
            return _blocklist.Match(context, _time.GetUtcNow());
        }
    }

    /// <summary>Runs <paramref name="operation"/> on the blocklist under the ledger's lock.</summary>
    public T Blocks<T>(Func<Blocklist, DateTimeOffset, T> operation)
    {
        lock (_gate)
        {
            return operation(_blocklist, _time.GetUtcNow());
        }
    }

    /// <summary>Completes when every change so far is on disk (at once without a journal): a call is acknowledged after it.</summary>
    public Task DurableAsync() => _journal?.DurableAsync() ?? Task.CompletedTask;

    /// <summary>
    /// Checks every limit of <paramref name="rule"/> for a call expected to use <paramref name="estimate"/>.
    /// When all fit, or when <paramref name="force"/> is set (the call goes on downgraded or warned), the
    /// call is counted and its estimate held. A call naming a <paramref name="reservation"/> it may use
    /// (same rule, subject and model family) takes its token and cost estimate from it first.
    /// <paramref name="pending"/>, the call's log entry as admitted, is kept with the hold in case the emulator stops before the call ends.
    /// </summary>
    public Hold Admit(Rule rule, IReadOnlyDictionary<string, object?> context, string model, CallEstimate estimate, bool force, Reservation? reservation, CallLogEntry? pending = null)
    {
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            Housekeep(now);
            CounterKey[] keys = Keys(rule, context, now);
            string? refused = null;
            if (reservation is not null && Refusal(reservation, rule, keys, model) is { } why)
            {
                refused = why;
                reservation = null;
            }
            RuleCredits? credits = rule.Then.Credits;
            string? account = credits is null ? null : credits.Per + ":" + Field(credits.Per, context);
            (decimal Input, decimal Output)? rate = credits is null ? null : _rates.PerToken(model, estimate.Price);
            decimal lent = account is not null && reservation is { } r && r.CreditAccount == account ? r.CreditsHeld : 0;
            bool capped = estimate.Flexible && !force && (rule.Then.Limits.Any(l => l.HoldsAmounts()) || (credits is { AllowOverage: false } && rate is not null));
            long output = capped ? FitOutput(rule, keys, estimate, reservation, account, rate, lent) : estimate.OutputTokens;
            UsageEstimate usage = estimate.With(output);
            List<LimitView> views = Evaluate(rule, keys, usage, reservation, now);
            LimitView? first = views.FirstOrDefault(v => !v.Fits);
            ExceededLimit? exceeded = first is null ? null : new ExceededLimit(first.Limit, first.PerValue, first.Current, first.ResetsAt);
            var hold = new Hold(rule, pending?.Id ?? "", now, exceeded) { ReservationRefused = refused, Estimate = usage };
            if (exceeded is not null && !force)
            {
                return hold;
            }
            if (account is not null)
            {
                // Credits are checked with the limits, under the same lock: a balance can never be overdrawn by concurrent calls.
                if (rate is not { } perToken)
                {
                    hold.CreditRefusal = new CreditRefusal(account, _credits.Available(account, now), 0, "credits_unpriced_model");
                    return hold;
                }
                decimal required = perToken.Input * estimate.InputTokens + perToken.Output * output;
                decimal fromReservation = Math.Min(required, lent);
                if (!_credits.TryHold(account, required - fromReservation, credits!.AllowOverage, now, out decimal available))
                {
                    hold.CreditRefusal = new CreditRefusal(account, available + fromReservation, required, TokenlayErrorCodes.InsufficientCreditsType);
                    return hold;
                }
                if (fromReservation > 0)
                {
                    reservation!.CreditsHeld -= fromReservation;
                }
                hold.Credits = new CreditHold(account, required, fromReservation);
                hold.CreditRate = perToken;
            }
            hold.Counted = true;
            hold.DrawnFrom = reservation;
            hold.OutputTokens = capped ? output : null;
            for (int i = 0; i < rule.Then.Limits.Count; i++)
            {
                RuleLimit limit = rule.Then.Limits[i];
                CounterKey key = keys[i];
                switch (limit.Kind())
                {
                    case LimitKind.Requests:
                        LimitCounter requests = Counter(key);
                        requests.Used += 1;
                        Journal(key, requests);
                        hold.RequestKeys.Add(key);
                        Thresholds(rule, i, key, now);
                        break;
                    case LimitKind.Concurrent:
                        _inFlight[key] = _inFlight.GetValueOrDefault(key) + 1;
                        hold.ConcurrencyKeys.Add(key);
                        break;
                    default:
                        decimal amount = usage.For(limit.Kind());
                        CounterKey? lentFrom = reservation?.HeldOn(key);
                        decimal fromReservation = Math.Min(amount, reservation?.RemainingOn(lentFrom) ?? 0);
                        if (fromReservation > 0)
                        {
                            // Moves from the reservation's hold (in its own window) to the call's, in the window the call runs in.
                            CounterKey from = lentFrom!.Value;
                            (LimitKind kind, decimal left) = reservation!.Remaining[from];
                            reservation.Remaining[from] = (kind, left - fromReservation);
                            LimitCounter lender = Counter(from);
                            lender.Held = Math.Max(0, lender.Held - fromReservation);
                        }
                        Counter(key).Held += amount;
                        hold.Lines.Add(new HoldLine(key, limit.Kind(), amount - fromReservation, fromReservation, fromReservation > 0 ? lentFrom : null));
                        break;
                }
            }
            if (_journal is not null && pending is not null && (hold.Lines.Count > 0 || hold.Credits is not null))
            {
                long input = estimate.InputTokens;
                _journal.Write(new LedgerChange.HoldOpened(new HoldRow(hold.Id, JsonSerializer.Serialize(pending, EmulatorJson.Options),
                    input, output, usage.CostUsd, [.. hold.Lines], hold.Credits)));
            }
            if (reservation is not null)
            {
                JournalReservation(reservation);
            }
            return hold;
        }
    }

    /// <summary>
    /// Ends a call: releases its slots and held estimate, and counts what it actually used. A call
    /// that <paramref name="consumed"/> nothing (it failed before the provider produced anything)
    /// gives its request back. What a reservation lent and the call did not use goes back to it.
    /// Queued callers are woken.
    /// </summary>
    public void Settle(Hold hold, long inputTokens, long outputTokens, decimal? cost, bool consumed)
    {
        if (hold.Rule is null)
        {
            return;
        }
        long tokens = inputTokens + outputTokens;
        lock (_gate)
        {
            if (hold.Settled)
            {
                return;
            }
            hold.Settled = true;
            foreach (CounterKey key in hold.ConcurrencyKeys)
            {
                if (_inFlight.TryGetValue(key, out int n))
                {
                    if (n <= 1) _inFlight.Remove(key); else _inFlight[key] = n - 1;
                }
            }
            if (hold.Counted)
            {
                SettleCounted(hold, tokens, cost, consumed);
                SettleCredits(hold, inputTokens, outputTokens, consumed);
                if ((hold.Lines.Count > 0 || hold.Credits is not null) && hold.Id.Length > 0)
                {
                    _journal?.Write(new LedgerChange.HoldClosed(hold.Id));
                }
            }
            Changed();
            RaiseAlerts();
        }
    }

    /// <summary>Why a call with this estimate would be refused by the credits of <paramref name="rule"/>, if it would (<c>POST /v1/check</c>); changes nothing.</summary>
    public CreditRefusal? CheckCredits(Rule rule, IReadOnlyDictionary<string, object?> context, string model, Pricing.ModelPrice? price, long inputTokens, long outputTokens)
    {
        if (rule.Then.Credits is not { } credits)
        {
            return null;
        }
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            Housekeep(now);
            string account = credits.Per + ":" + Field(credits.Per, context);
            decimal available = _credits.Available(account, now);
            if (_rates.Of(model, price, inputTokens, outputTokens) is not { } required)
            {
                return new CreditRefusal(account, available, 0, "credits_unpriced_model");
            }
            return credits.AllowOverage || available >= required ? null : new CreditRefusal(account, available, required, TokenlayErrorCodes.InsufficientCreditsType);
        }
    }

    /// <summary>What settling <paramref name="hold"/> with this usage would burn and leave available: for a stream's summary, written just before it ends.</summary>
    public (decimal? Used, decimal? Remaining) PreviewCredits(Hold hold, long inputTokens, long outputTokens)
    {
        if (hold.Credits is not { } held || hold.CreditRate is not { } rate)
        {
            return (null, null);
        }
        lock (_gate)
        {
            decimal used = rate.Input * inputTokens + rate.Output * outputTokens;
            return (used, _credits.Available(held.Account, _time.GetUtcNow()) + held.Amount - used);
        }
    }

    private void SettleCredits(Hold hold, long inputTokens, long outputTokens, bool consumed)
    {
        if (hold.Credits is not { } held || hold.CreditRate is not { } rate)
        {
            return;
        }
        DateTimeOffset now = _time.GetUtcNow();
        decimal used = consumed ? rate.Input * inputTokens + rate.Output * outputTokens : 0;
        if (hold.Rule?.Then.Credits is { AllowOverage: false })
        {
            used = Math.Min(used, held.Amount); // metered within its hold (UsageSettlement.WithinHold): a balance never goes below zero
        }
        Reservation? reservation = hold.DrawnFrom is { Active: true } r && r.CreditAccount == held.Account ? r : null;
        decimal giveBack = reservation is null ? 0 : held.FromReservation - Math.Min(used, held.FromReservation);
        if (consumed)
        {
            hold.CreditsUsed = used;
            _credits.Burn(held.Account, used, held.Amount, now, hold.Id, inputTokens, outputTokens);
        }
        else
        {
            _credits.Release(held.Account, held.Amount - giveBack, now, hold.Id);
        }
        if (giveBack > 0)
        {
            // What the reservation lent and the call did not use goes back to it.
            reservation!.CreditsHeld += giveBack;
            if (consumed)
            {
                _credits.TryHold(held.Account, giveBack, allowOverage: true, now, out _);
            }
            JournalReservation(reservation);
        }
        hold.CreditsRemaining = _credits.Available(held.Account, now);
    }

    private void SettleCounted(Hold hold, long tokens, decimal? cost, bool consumed)
    {
        if (!consumed)
        {
            foreach (CounterKey key in hold.RequestKeys)
            {
                LimitCounter c = Counter(key);
                c.Used = Math.Max(0, c.Used - 1);
                Journal(key, c);
            }
        }
        Reservation? reservation = hold.DrawnFrom;
        foreach (HoldLine line in hold.Lines)
        {
            LimitCounter c = Counter(line.Key);
            decimal actual = !consumed ? 0 : line.Kind == LimitKind.Tokens ? tokens : cost ?? 0;
            c.Held = Math.Max(0, c.Held - line.Own - line.FromReservation);
            c.Used += actual;
            Journal(line.Key, c);
            if (hold.Rule is { } rule)
            {
                Thresholds(rule, line.Key.Limit, line.Key, _time.GetUtcNow());
            }
            decimal giveBack = line.FromReservation - Math.Min(actual, line.FromReservation);
            if (giveBack > 0 && reservation is { Active: true } && line.ReservationKey is { } lender
                && reservation.Remaining.TryGetValue(lender, out var left))
            {
                reservation.Remaining[lender] = (left.Kind, left.Amount + giveBack);
                Counter(lender).Held += giveBack;
            }
        }
        if (reservation is not null)
        {
            if (consumed)
            {
                reservation.Calls++;
                reservation.UsedTokens += tokens;
                reservation.UsedCostUsd += cost ?? 0;
            }
            JournalReservation(reservation);
        }

    }

    /// <summary>
    /// Counts usage that happened elsewhere (<c>POST /v1/usage/records</c>): the spending happened,
    /// so it is counted even past a limit. Returns the first limit that is now exceeded, if any.
    /// </summary>
    public ExceededLimit? Record(Rule rule, IReadOnlyDictionary<string, object?> context, DateTimeOffset at, long inputTokens, long outputTokens, decimal? cost, string model, Pricing.ModelPrice? price, string logId)
    {
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            Housekeep(now);
            if (rule.Then.Credits is { } credits)
            {
                // Usage that happened elsewhere is burned in full, past zero if need be: the spending happened.
                decimal? used = _rates.Of(model, price, inputTokens, outputTokens) ?? (cost is { } usd ? _rates.OfUsd(usd) : null);
                if (used is { } amount)
                {
                    _credits.Burn(credits.Per + ":" + Field(credits.Per, context), amount, 0, now, logId, inputTokens, outputTokens);
                    RaiseAlerts();
                }
            }
            return RecordUnlocked(rule, context, at, inputTokens + outputTokens, cost);
        }
    }

    /// <summary>Where each limit of <paramref name="rule"/> stands for a call like this one; changes nothing (<c>POST /v1/check</c>).</summary>
    public IReadOnlyList<LimitView> Check(Rule rule, IReadOnlyDictionary<string, object?> context, UsageEstimate estimate)
    {
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            Housekeep(now);
            return Evaluate(rule, Keys(rule, context, now), estimate, null, now);
        }
    }

    /// <summary>
    /// Holds <paramref name="estimate"/> on every token and cost limit of <paramref name="rule"/>
    /// (none when no rule applies) for <paramref name="ttl"/>, or refuses with the first limit
    /// it does not fit in.
    /// </summary>
    /// <remarks>
    /// On a credit account the hold is the estimate's tokens at the model's credit rate when the
    /// estimate gives tokens (<paramref name="inputTokens"/>, <paramref name="outputTokens"/>), else its USD at credits per USD.
    /// </remarks>
    public (Reservation? Reservation, ExceededLimit? Exceeded, CreditRefusal? Credits) Reserve(
        Rule? rule, IReadOnlyDictionary<string, object?> context, IReadOnlyDictionary<string, string> metadata, string model, UsageEstimate estimate, TimeSpan ttl,
        long? inputTokens = null, long? outputTokens = null, Pricing.ModelPrice? price = null)
    {
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            Housekeep(now);
            var reservation = new Reservation
            {
                Id = "rsv_" + Guid.NewGuid().ToString("N")[..24],
                Rule = rule, Metadata = metadata, Model = model, Estimate = estimate, CreatedAt = now, ExpiresAt = now + ttl,
            };
            if (rule is not null)
            {
                CounterKey[] keys = Keys(rule, context, now);
                var lines = new List<(CounterKey Key, LimitKind Kind, decimal Amount)>();
                for (int i = 0; i < rule.Then.Limits.Count; i++)
                {
                    RuleLimit limit = rule.Then.Limits[i];
                    if (!limit.HoldsAmounts())
                    {
                        continue;
                    }
                    decimal amount = estimate.For(limit.Kind());
                    decimal current = CurrentOf(keys[i], now);
                    if (amount > 0 && current + amount > limit.Max)
                    {
                        return (null, new ExceededLimit(limit, keys[i].Per, current, ResetsAt(limit, keys[i], now)), null);
                    }
                    lines.Add((keys[i], limit.Kind(), amount));
                }
                if (rule.Then.Credits is { } credits)
                {
                    string account = credits.Per + ":" + Field(credits.Per, context);
                    decimal? priced = inputTokens is not null || outputTokens is not null ? _rates.Of(model, price, inputTokens ?? 0, outputTokens ?? 0) : null;
                    if ((priced ?? (estimate.CostUsd is { } usd ? _rates.OfUsd(usd) : null)) is not { } required)
                    {
                        return (null, null, new CreditRefusal(account, _credits.Available(account, now), 0, "credits_unpriced_model"));
                    }
                    if (!_credits.TryHold(account, required, credits.AllowOverage, now, out decimal available))
                    {
                        return (null, null, new CreditRefusal(account, available, required, TokenlayErrorCodes.InsufficientCreditsType));
                    }
                    reservation.CreditAccount = account;
                    reservation.CreditsHeld = required;
                }
                foreach ((CounterKey key, LimitKind kind, decimal amount) in lines)
                {
                    Counter(key).Held += amount;
                    reservation.Remaining[key] = (kind, amount);
                }
            }
            _reservations[reservation.Id] = reservation;
            JournalReservation(reservation);
            return (reservation, null, null);
        }
    }

    /// <summary>The reservation with this id (expired ones are marked so first).</summary>
    public Reservation? Find(string id)
    {
        lock (_gate)
        {
            Housekeep(_time.GetUtcNow());
            return _reservations.GetValueOrDefault(id);
        }
    }

    /// <summary>
    /// Meters usage done outside the proxy against a reservation: it uses up the hold first, and is
    /// counted in the window it happens in (now), like any usage. Returns the first limit now exceeded, if any.
    /// </summary>
    public ExceededLimit? Commit(Reservation reservation, IReadOnlyDictionary<string, object?> context, long inputTokens, long outputTokens, decimal? cost, string logId, Pricing.ModelPrice? price = null)
    {
        long tokens = inputTokens + outputTokens;
        lock (_gate)
        {
            DateTimeOffset now = _time.GetUtcNow();
            Housekeep(now);
            if (reservation.Active)
            {
                foreach ((CounterKey key, (LimitKind kind, decimal left)) in reservation.Remaining.ToArray())
                {
                    decimal actual = kind == LimitKind.Tokens ? tokens : cost ?? 0;
                    decimal take = Math.Min(actual, left);
                    reservation.Remaining[key] = (kind, left - take);
                    LimitCounter c = Counter(key);
                    c.Held = Math.Max(0, c.Held - take);
                }
            }
            reservation.Calls++;
            reservation.UsedTokens += tokens;
            reservation.UsedCostUsd += cost ?? 0;
            if (reservation.CreditAccount is { } account)
            {
                // The same rate as the hold: the model's credit rate for tokens, else credits per USD.
                decimal used = _rates.Of(reservation.Model, price, inputTokens, outputTokens) ?? (cost is { } usd ? _rates.OfUsd(usd) : 0);
                decimal take = reservation.Active ? Math.Min(used, reservation.CreditsHeld) : 0;
                reservation.CreditsHeld -= take;
                _credits.Burn(account, used, take, now, logId, inputTokens, outputTokens);
                RaiseAlerts();
            }
            JournalReservation(reservation);
            ExceededLimit? exceeded = reservation.Rule is { } rule ? RecordUnlocked(rule, context, now, tokens, cost) : null;
            Changed();
            return exceeded;
        }
    }

    /// <summary>Gives back what a reservation still holds; <paramref name="status"/> says why (released, expired).</summary>
    public void Release(Reservation reservation, string status = "released")
    {
        lock (_gate)
        {
            ReleaseUnlocked(reservation, status);
            Changed();
        }
    }

    /// <summary>
    /// Completes when a call settles or a reservation is released, committed or expires: what a
    /// queued call waits for before it is judged again.
    /// </summary>
    public Task ChangedAsync()
    {
        lock (_gate)
        {
            return _changed.Task;
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
            Housekeep(now);
            var result = new List<RuleStatus>(rules.Count);
            foreach (Rule rule in rules)
            {
                var limits = new List<LimitStatus>(rule.Then.Limits.Count);
                for (int i = 0; i < rule.Then.Limits.Count; i++)
                {
                    RuleLimit limit = rule.Then.Limits[i];
                    bool concurrent = limit.Kind() == LimitKind.Concurrent;
                    DateTimeOffset start = concurrent ? DateTimeOffset.UnixEpoch : limit.WindowKind().Start(now);
                    IEnumerable<(CounterKey Key, decimal Current)> current = concurrent
                        ? _inFlight.Select(p => (p.Key, (decimal)p.Value))
                        : limit.Rolling
                            ? _rolling.Select(p => (p.Key, CurrentOf(p.Key, now)))
                            : _counters.Select(p => (p.Key, p.Value.Current));
                    if (limit.Rolling)
                    {
                        start = DateTimeOffset.UnixEpoch; // totals are kept per subject
                    }
                    int index = i;
                    var closest = current
                        .Where(p => p.Key.RuleId == rule.Id && p.Key.Limit == index && p.Key.WindowStart == start && p.Current > 0)
                        .Select(p => new LimitUsage(p.Key.Per, p.Current, Math.Max(0, limit.Max - p.Current)))
                        .OrderByDescending(u => u.Current).ThenBy(u => u.Key, StringComparer.Ordinal)
                        .Take(top)
                        .ToList();
                    limits.Add(new LimitStatus(limit.Type, limit.Window, limit.TrackingKey ?? limit.Per, limit.Max,
                        concurrent ? null : limit.Rolling ? null : limit.WindowKind().NextStart(now), closest));
                }
                result.Add(new RuleStatus(rule.Id, rule.Priority, rule.If, rule.Then.Model, rule.Then.OnLimitExceeded.Action, limits));
            }
            return result;
        }
    }

    private static CounterKey[] Keys(Rule rule, IReadOnlyDictionary<string, object?> context, DateTimeOffset now)
    {
        var keys = new CounterKey[rule.Then.Limits.Count];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = CounterKey.For(rule, i, rule.Then.Limits[i].PerValue(context), now);
        }
        return keys;
    }

    /// <summary>Why a call may not draw on <paramref name="reservation"/>; null when it may.</summary>
    private static string? Refusal(Reservation reservation, Rule rule, CounterKey[] keys, string model)
    {
        if (!reservation.Active)
        {
            return $"Reservation '{reservation.Id}' is {reservation.Status}";
        }
        if (reservation.Rule?.Id != rule.Id || !ModelFamily.Same(reservation.Model, model))
        {
            return $"Reservation '{reservation.Id}' was made for another rule or model";
        }
        for (int i = 0; i < keys.Length; i++)
        {
            if (rule.Then.Limits[i].HoldsAmounts() && reservation.Remaining.Count > 0 && reservation.HeldOn(keys[i]) is null)
            {
                return $"Reservation '{reservation.Id}' was made for another {rule.Then.Limits[i].TrackingKey ?? rule.Then.Limits[i].Per}";
            }
        }
        return null;
    }

    /// <summary>
    /// The most output (over all choices) a call with no cap of its own can be given: what is left on
    /// every token and cost limit after its prompt, at most its default hold. Less than its minimum
    /// means it does not fit, and the minimum is returned so that it is refused as such.
    /// </summary>
    private long FitOutput(Rule rule, CounterKey[] keys, CallEstimate estimate, Reservation? reservation, string? account, (decimal Input, decimal Output)? rate, decimal lent)
    {
        decimal room = estimate.OutputTokens;
        if (account is not null && rule.Then.Credits is { AllowOverage: false } && rate is { } perToken)
        {
            decimal left = _credits.Available(account, _time.GetUtcNow()) + lent - perToken.Input * estimate.InputTokens;
            room = perToken.Output > 0 ? Math.Min(room, left / perToken.Output) : left < 0 ? 0 : room;
        }
        for (int i = 0; i < keys.Length; i++)
        {
            RuleLimit limit = rule.Then.Limits[i];
            if (!limit.HoldsAmounts())
            {
                continue;
            }
            CounterKey? lender = reservation?.HeldOn(keys[i]);
            // A reservation in the call's own window is counted in its counter already: what it lends is headroom too.
            decimal headroom = limit.Max - CurrentOf(keys[i], _time.GetUtcNow()) + (lender == keys[i] ? reservation!.RemainingOn(lender) : 0);
            if (limit.Kind() == LimitKind.Tokens)
            {
                room = Math.Min(room, headroom - estimate.InputTokens);
            }
            else if (estimate.Price is { } price)
            {
                decimal left = headroom - price.CostOf(estimate.InputTokens, 0);
                if (price.Output > 0)
                {
                    room = Math.Min(room, left * 1_000_000m / price.Output);
                }
                else if (left < 0)
                {
                    room = 0;
                }
            }
        }
        long perChoice = (long)Math.Floor(Math.Max(0, room) / estimate.Choices);
        long output = perChoice * estimate.Choices;
        return perChoice >= 1 && output >= estimate.MinimumOutput ? output : Math.Max(estimate.MinimumOutput, estimate.Choices);
    }

    private List<LimitView> Evaluate(Rule rule, CounterKey[] keys, UsageEstimate estimate, Reservation? reservation, DateTimeOffset now)
    {
        var views = new List<LimitView>(keys.Length);
        for (int i = 0; i < keys.Length; i++)
        {
            RuleLimit limit = rule.Then.Limits[i];
            CounterKey key = keys[i];
            DateTimeOffset? resets = limit.Kind() == LimitKind.Concurrent ? null : ResetsAt(limit, key, now);
            decimal current;
            bool fits;
            switch (limit.Kind())
            {
                case LimitKind.Requests:
                    // A reservation never lifts a request limit: it holds budget, not calls.
                    current = CurrentOf(key, now);
                    fits = current + 1 <= limit.Max;
                    break;
                case LimitKind.Concurrent:
                    current = _inFlight.GetValueOrDefault(key);
                    fits = current + 1 <= limit.Max;
                    break;
                default:
                    current = CurrentOf(key, now);
                    decimal amount = estimate.For(limit.Kind());
                    CounterKey? lender = reservation?.HeldOn(key);
                    decimal lent = Math.Min(amount, reservation?.RemainingOn(lender) ?? 0);
                    // What a reservation in this window lends is in `current` already; from an earlier window it moves here.
                    decimal own = lender == key ? amount - lent : amount;
                    // With nothing to hold (no estimate), the call still needs some budget left.
                    fits = own > 0 ? current + own <= limit.Max : current < limit.Max || amount > 0;
                    break;
            }
            views.Add(new LimitView(limit, key.Per, key, current, Math.Max(0, limit.Max - current), resets, fits));
        }
        return views;
    }

    private ExceededLimit? RecordUnlocked(Rule rule, IReadOnlyDictionary<string, object?> context, DateTimeOffset at, long tokens, decimal? cost)
    {
        ExceededLimit? exceeded = null;
        for (int i = 0; i < rule.Then.Limits.Count; i++)
        {
            RuleLimit limit = rule.Then.Limits[i];
            if (limit.Kind() == LimitKind.Concurrent)
            {
                continue;
            }
            string per = limit.PerValue(context);
            CounterKey key = CounterKey.For(rule, i, per, at);
            LimitCounter c = Counter(key);
            c.Used += limit.Kind() switch { LimitKind.Requests => 1, LimitKind.Tokens => tokens, _ => cost ?? 0 };
            Journal(key, c);
            DateTimeOffset now = _time.GetUtcNow();
            Thresholds(rule, i, key, now);
            decimal current = CurrentOf(key, now);
            if (current > limit.Max && exceeded is null)
            {
                exceeded = new ExceededLimit(limit, per, current, ResetsAt(limit, key, now));
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
        foreach ((CounterKey key, (_, decimal left)) in reservation.Remaining)
        {
            LimitCounter c = Counter(key);
            c.Held = Math.Max(0, c.Held - left);
        }
        reservation.Remaining.Clear();
        if (reservation.CreditAccount is { } account && reservation.CreditsHeld > 0)
        {
            _credits.Release(account, reservation.CreditsHeld, _time.GetUtcNow());
            reservation.CreditsHeld = 0;
        }
        reservation.Status = status;
        JournalReservation(reservation);
        _closed.Enqueue(reservation.Id);
        while (_closed.Count > ClosedReservationsKept)
        {
            _reservations.Remove(_closed.Dequeue());
        }
    }

    // Expiry and pruning run on every use of the ledger rather than on a timer, so a fake clock drives them exactly.
    private void Housekeep(DateTimeOffset now)
    {
        _credits.Advance(now);
        RaiseAlerts();
        if (_reservations.Count != _closed.Count)
        {
            bool expired = false;
            foreach (Reservation reservation in _reservations.Values.Where(r => r.Active && r.ExpiresAt <= now).ToList())
            {
                ReleaseUnlocked(reservation, "expired");
                expired = true;
            }
            if (expired)
            {
                Changed();
            }
        }
        if (now < _nextPrune)
        {
            return;
        }
        _nextPrune = now + s_pruneEvery;
        // Counters of ended windows can never be read again: memory stays bounded by the subjects active now.
        foreach (RollingTotals totals in _rolling.Values)
        {
            Roll(totals, now);
        }
        foreach ((CounterKey key, LimitCounter counter) in _counters.Where(p => p.Value.Held == 0 && p.Key.EndedBy(now)).ToList())
        {
            _counters.Remove(key);
            _journal?.Write(new LedgerChange.CounterDropped(key));
        }
        foreach ((CounterKey subject, RollingTotals totals) in _rolling.Where(p => p.Value.Live.Count == 0 && p.Value.Held == 0).ToList())
        {
            _rolling.Remove(subject);
        }
        foreach (var fired in _fired.Where(p => p.Key.Window.Rolling ? p.Value + RollingWindows.Span(p.Key.Window.Window) <= now : p.Key.Window.EndedBy(now)).ToList())
        {
            _fired.Remove(fired.Key);
        }
    }

    private void RaiseAlerts()
    {
        if (_credits.Raised.Count == 0)
        {
            return;
        }
        foreach (CreditAlertEvent alert in _credits.Raised)
        {
            CreditAlerts?.Invoke(alert);
        }
        _credits.Raised.Clear();
    }

    /// <summary>The value of metadata field <paramref name="field"/> of a call, as an account or limit key.</summary>
    private static string Field(string field, IReadOnlyDictionary<string, object?> context) =>
        context.TryGetValue(field, out object? value) && value is not null ? value.ToString()! : "(none)";

    private void Changed()
    {
        TaskCompletionSource done = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        done.TrySetResult();
    }

    private void Journal(CounterKey key, LimitCounter counter) => _journal?.Write(new LedgerChange.Counter(new CounterRow(key, counter.Used)));

    private void JournalReservation(Reservation reservation) => _journal?.Write(new LedgerChange.Reservation(RowOf(reservation)));

    private static ReservationRow RowOf(Reservation r) => new(
        r.Id, r.Rule?.Id, new Dictionary<string, string>(r.Metadata), r.Model, r.Estimate.Tokens, r.Estimate.CostUsd, r.CreatedAt, r.ExpiresAt, r.Status,
        r.Remaining.Select(p => new RemainingRow(p.Key, p.Value.Kind, p.Value.Amount)).ToList(), r.UsedTokens, r.UsedCostUsd, r.Calls,
        r.CreditAccount, r.CreditsHeld);

    private LimitCounter Counter(CounterKey key)
    {
        if (_counters.TryGetValue(key, out LimitCounter? counter))
        {
            return counter;
        }
        if (!key.Rolling)
        {
            _counters[key] = counter = new LimitCounter();
            return counter;
        }
        if (!_rolling.TryGetValue(key.SubjectKey(), out RollingTotals? totals))
        {
            _rolling[key.SubjectKey()] = totals = new RollingTotals();
        }
        // A bucket already older than the window (a record of long ago) is kept but counts for nothing.
        bool old = key.EndedBy(_time.GetUtcNow());
        _counters[key] = counter = new LimitCounter { Parent = totals, Evicted = old };
        if (!old)
        {
            totals.Live[key.WindowStart] = key;
        }
        return counter;
    }

    /// <summary>What a limit's key counts now: its window's count, or for a rolling limit the subject's last window.</summary>
    private decimal CurrentOf(CounterKey key, DateTimeOffset now)
    {
        if (!key.Rolling)
        {
            return _counters.GetValueOrDefault(key)?.Current ?? 0;
        }
        if (!_rolling.TryGetValue(key.SubjectKey(), out RollingTotals? totals))
        {
            return 0;
        }
        Roll(totals, now);
        return totals.Current;
    }

    /// <summary>When a limit frees up: its next window, or for a rolling limit when the oldest counted use leaves the window.</summary>
    private DateTimeOffset? ResetsAt(RuleLimit limit, CounterKey key, DateTimeOffset now)
    {
        if (!key.Rolling)
        {
            return limit.WindowKind().NextStart(now);
        }
        TimeSpan span = RollingWindows.Span(key.Window);
        return _rolling.TryGetValue(key.SubjectKey(), out RollingTotals? totals) && totals.Live.Count > 0
            ? totals.Live.First().Key + span
            : now + span;
    }

    /// <summary>Moves a rolling subject's window on: buckets a whole window old stop counting.</summary>
    private void Roll(RollingTotals totals, DateTimeOffset now)
    {
        while (totals.Live.Count > 0)
        {
            (DateTimeOffset start, CounterKey key) = totals.Live.First();
            if (!key.EndedBy(now))
            {
                return;
            }
            totals.Live.Remove(start);
            if (_counters.TryGetValue(key, out LimitCounter? bucket))
            {
                totals.Used -= bucket.Used;
                bucket.Evicted = true;
            }
        }
    }

    /// <summary>
    /// Sends each alert of limit <paramref name="index"/> that its use (what was spent, not what is
    /// held) has reached: once per subject per window, once however many calls cross it together.
    /// </summary>
    private void Thresholds(Rule rule, int index, CounterKey key, DateTimeOffset now)
    {
        RuleLimit limit = rule.Then.Limits[index];
        if (limit.Alerts.Count == 0 || LimitAlerts is null)
        {
            return;
        }
        decimal used = key.Rolling
            ? (_rolling.TryGetValue(key.SubjectKey(), out RollingTotals? totals) ? totals.Used : 0)
            : _counters.GetValueOrDefault(key)?.Used ?? 0;
        CounterKey window = key.Rolling ? key.SubjectKey() : key;
        for (int j = 0; j < limit.Alerts.Count; j++)
        {
            LimitAlert alert = limit.Alerts[j];
            if (used >= alert.For(limit.Max) && _fired.TryAdd((window, j), now))
            {
                LimitAlerts(new LimitThreshold(rule, limit, key.Per, used, alert, ResetsAt(limit, key, now)));
            }
        }
    }
}
