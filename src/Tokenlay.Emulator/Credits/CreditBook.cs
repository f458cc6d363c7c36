using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Tokenlay.Emulator.Budget.Journal;

namespace Tokenlay.Emulator.Credits;

/// <summary>
/// Every credit account and tier, and the only code that changes a balance. It is not thread-safe
/// on purpose: the <see cref="Budget.Ledger"/> owns it and calls it under its lock, so a credit
/// check, a hold and the limits of the same call are one atomic decision. Every change is written
/// to the journal (an account row, an appended transaction), so balances are exact across restarts.
/// Time is the caller's <c>now</c>: expiry and refills happen when the clock says, fake or not.
/// </summary>
internal sealed class CreditBook
{
    /// <summary>The largest grant, adjustment or tier allocation.</summary>
    public const decimal MaxAmount = 1_000_000_000_000m;

    private readonly Dictionary<string, CreditAccount> _accounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CreditTier> _tiers = new(StringComparer.Ordinal);
    private readonly Action<LedgerChange>? _journal;
    private long _sequence;
    private DateTimeOffset _nextEvent = DateTimeOffset.MaxValue;

    public CreditBook(Action<LedgerChange>? journal) => _journal = journal;

    /// <summary>Low-balance events raised by the last changes; the ledger sends them once it lets go of its lock.</summary>
    public List<CreditAlertEvent> Raised { get; } = new();

    public CreditAccount? Find(string account) => _accounts.GetValueOrDefault(account);

    public IReadOnlyCollection<CreditAccount> Accounts => _accounts.Values;

    public IReadOnlyList<CreditTier> Tiers => _tiers.Values.OrderBy(t => t.Id, StringComparer.Ordinal).ToList();

    public CreditTier? Tier(string id) => _tiers.GetValueOrDefault(id);

    public void Restore(LedgerSnapshot snapshot)
    {
        foreach (CreditTier tier in snapshot.CreditTiers)
        {
            _tiers[tier.Id] = tier;
        }
        foreach (CreditAccountRow row in snapshot.CreditAccounts)
        {
            var account = new CreditAccount { Id = row.Id, Debt = row.Debt, TierId = row.TierId, PeriodStart = row.PeriodStart, NextRefillAt = row.NextRefillAt };
            account.Grants.AddRange(row.Grants);
            account.Below.UnionWith(row.Below);
            foreach (GrantKeyRow key in row.Keys)
            {
                account.Keys[key.Key] = (key.Fingerprint, key.GrantId);
            }
            _accounts[account.Id] = account;
            Schedule(account);
        }
        foreach (CreditTransaction transaction in snapshot.CreditTransactions.OrderBy(t => t.Sequence))
        {
            if (_accounts.TryGetValue(transaction.Account, out CreditAccount? account))
            {
                Append(account, transaction, journal: false);
            }
            _sequence = Math.Max(_sequence, transaction.Sequence);
        }
    }

    /// <summary>A grant; with an idempotency key seen before, the grant it made (or a conflict when the body differs).</summary>
    public (CreditGrant? Grant, bool Replayed, bool Conflict) Grant(GrantRequest request, DateTimeOffset now)
    {
        CreditAccount account = Open(request.Account);
        if (request.IdempotencyKey is { } key && account.Keys.TryGetValue(key, out var seen))
        {
            return seen.Fingerprint == request.Fingerprint
                ? (account.Grants.First(g => g.Id == seen.GrantId), true, false)
                : (null, false, true);
        }
        CreditGrant grant = NewGrant(account, request.Amount, request.Priority, request.EffectiveAt, request.ExpiresAt, request.Category, request.Description, "grant", now);
        if (request.IdempotencyKey is { } newKey)
        {
            if (account.Keys.Count >= CreditAccount.KeysKept)
            {
                account.Keys.Remove(account.Keys.Keys.First());
            }
            account.Keys[newKey] = (request.Fingerprint, grant.Id);
        }
        if (grant.Announced)
        {
            Record(account, "grant", request.Amount, now, grantId: grant.Id, reason: request.Description);
        }
        Changed(account, now);
        return (grant, false, false);
    }

    /// <summary>A signed correction with a reason: a positive one is a grant of its own, a negative one burns like usage.</summary>
    public CreditTransaction Adjust(string accountId, decimal amount, string reason, DateTimeOffset now)
    {
        CreditAccount account = Open(accountId);
        string? grantId = null;
        if (amount > 0)
        {
            grantId = NewGrant(account, amount, 10, null, null, "paid", reason, "adjustment", now).Id;
        }
        else
        {
            Take(account, -amount, now);
        }
        CreditTransaction adjustment = Record(account, "adjustment", amount, now, grantId: grantId, reason: reason);
        Changed(account, now);
        return adjustment;
    }

    public void UpsertTier(CreditTier tier) 
    {
        _tiers[tier.Id] = tier;
        _journal?.Invoke(new LedgerChange.CreditTier(tier));
    }

    /// <summary>
    /// Puts the account on a tier. With <paramref name="resetBalance"/>, or when it has no period yet,
    /// a new period starts now with its allocation as a <c>refill</c> that expires at the period's end.
    /// </summary>
    public CreditAccount SetTier(string accountId, CreditTier tier, bool resetBalance, DateTimeOffset now)
    {
        CreditAccount account = Open(accountId);
        account.TierId = tier.Id;
        if (resetBalance || account.NextRefillAt is null)
        {
            if (resetBalance)
            {
                foreach (CreditGrant refill in account.Grants.Where(g => g.Source is "refill" or "rollover" && !g.Expired))
                {
                    ExpireGrant(account, refill, now, "the tier's period was reset");
                }
            }
            StartPeriod(account, tier, now, carried: 0);
        }
        Changed(account, now);
        return account;
    }

    /// <summary>Holds <paramref name="amount"/> for a call or a reservation when it fits (or overage is allowed).</summary>
    public bool TryHold(string accountId, decimal amount, bool allowOverage, DateTimeOffset now, out decimal available)
    {
        CreditAccount? account = _accounts.GetValueOrDefault(accountId);
        available = account?.Available(now) ?? 0;
        if (!allowOverage && available < amount)
        {
            return false;
        }
        account ??= Open(accountId);
        account.Held += amount;
        return true;
    }

    /// <summary>Gives back a hold without burning (a refused or failed call, a released reservation).</summary>
    public void Release(string accountId, decimal held, DateTimeOffset now, string? logId = null)
    {
        if (_accounts.TryGetValue(accountId, out CreditAccount? account) && held > 0)
        {
            account.Held = Math.Max(0, account.Held - held);
            Record(account, "release", 0, now, logId: logId, heldReleased: held);
            Changed(account, now);
        }
    }

    /// <summary>
    /// Burns what a call used, in burn order (past what is left only as debt: overage, or usage
    /// recorded after the fact), releasing its hold; returns the balance available after.
    /// </summary>
    public decimal Burn(string accountId, decimal amount, decimal held, DateTimeOffset now, string? logId, long inputTokens, long outputTokens)
    {
        CreditAccount account = Open(accountId);
        account.Held = Math.Max(0, account.Held - held);
        Take(account, amount, now);
        Record(account, "burn", -amount, now, logId: logId, inputTokens: inputTokens, outputTokens: outputTokens);
        if (held > amount)
        {
            Record(account, "release", 0, now, logId: logId, heldReleased: held - amount);
        }
        Changed(account, now);
        return account.Available(now);
    }

    public decimal Available(string accountId, DateTimeOffset now) => _accounts.GetValueOrDefault(accountId)?.Available(now) ?? 0;

    /// <summary>Expiries and refills due by <paramref name="now"/>, in time order within each account.</summary>
    public void Advance(DateTimeOffset now)
    {
        if (now < _nextEvent)
        {
            return;
        }
        _nextEvent = DateTimeOffset.MaxValue;
        foreach (CreditAccount account in _accounts.Values)
        {
            bool changed = false;
            foreach (CreditGrant future in account.Grants.Where(g => !g.Announced && !g.Expired && g.EffectiveAt <= now).OrderBy(g => g.EffectiveAt).ToList())
            {
                // A grant effective later enters the balance, and the history, when its time comes.
                decimal payDebt = Math.Min(account.Debt, future.Remaining);
                account.Debt -= payDebt;
                future.Remaining -= payDebt;
                future.Announced = true;
                Record(account, "grant", future.Amount, future.EffectiveAt!.Value, grantId: future.Id, reason: future.Description);
                changed = true;
            }
            while (account.NextRefillAt is { } refillAt && refillAt <= now && account.TierId is { } tierId && _tiers.GetValueOrDefault(tierId) is { } tier)
            {
                // The old period's refill and rollover end at the boundary: what is unused carries over (up to the cap) or is lost.
                decimal carried = 0;
                foreach (CreditGrant old in account.Grants.Where(g => g.Source is "refill" or "rollover" && !g.Expired && g.ExpiresAt <= refillAt).ToList())
                {
                    carried += old.Remaining;
                    ExpireGrant(account, old, refillAt, null);
                }
                StartPeriod(account, tier, refillAt, Math.Min(carried, tier.RolloverMax ?? 0));
                changed = true;
            }
            foreach (CreditGrant grant in account.Grants.Where(g => !g.Expired && g.ExpiresAt is { } at && at <= now).ToList())
            {
                ExpireGrant(account, grant, grant.ExpiresAt!.Value, null);
                changed = true;
            }
            if (changed)
            {
                Changed(account, now);
            }
            else
            {
                Schedule(account);
            }
        }
    }

    /// <summary>The history of an account, newest first.</summary>
    public IEnumerable<CreditTransaction> History(CreditAccount account) => Enumerable.Reverse(account.Transactions);

    private void StartPeriod(CreditAccount account, CreditTier tier, DateTimeOffset start, decimal carried)
    {
        DateTimeOffset end = PeriodEnd(tier.Period, start);
        account.PeriodStart = start;
        account.NextRefillAt = end;
        if (carried > 0)
        {
            CreditGrant rollover = NewGrant(account, carried, 10, start, end, "paid", "carried from the last period", "rollover", start);
            Record(account, "rollover", carried, start, grantId: rollover.Id);
        }
        CreditGrant refill = NewGrant(account, tier.Allocation, 10, start, end, "paid", $"tier {tier.Id}", "refill", start);
        Record(account, "refill", tier.Allocation, start, grantId: refill.Id);
    }

    internal static DateTimeOffset PeriodEnd(string period, DateTimeOffset start) => period switch
    {
        "day" => start.AddDays(1),
        "week" => start.AddDays(7),
        "month" => start.AddMonths(1),
        _ => start.AddYears(1),
    };

    private void ExpireGrant(CreditAccount account, CreditGrant grant, DateTimeOffset at, string? reason)
    {
        grant.Expired = true;
        decimal lost = grant.Remaining;
        grant.Remaining = 0;
        if (lost > 0)
        {
            Record(account, "expiry", -lost, at, grantId: grant.Id, reason: reason);
        }
    }

    /// <summary>Takes from live grants in burn order; what they cannot cover becomes debt.</summary>
    private static void Take(CreditAccount account, decimal amount, DateTimeOffset now)
    {
        decimal left = amount;
        foreach (CreditGrant grant in account.BurnOrder(now))
        {
            if (left <= 0)
            {
                break;
            }
            decimal take = Math.Min(grant.Remaining, left);
            grant.Remaining -= take;
            left -= take;
        }
        account.Debt += left;
    }

    private CreditGrant NewGrant(CreditAccount account, decimal amount, int priority, DateTimeOffset? effectiveAt, DateTimeOffset? expiresAt, string category, string? description, string source, DateTimeOffset now)
    {
        // Debt is paid first from what arrives, so that an expiry never loses credits that were already spent.
        bool live = effectiveAt is null || effectiveAt <= now;
        decimal payDebt = live ? Math.Min(account.Debt, amount) : 0;
        account.Debt -= payDebt;
        var grant = new CreditGrant
        {
            Id = "cgr_" + Guid.NewGuid().ToString("N")[..24], Account = account.Id, Amount = amount, Remaining = amount - payDebt, Priority = priority,
            EffectiveAt = effectiveAt, ExpiresAt = expiresAt, Category = category, Description = description, CreatedAt = now, Source = source, Announced = live,
        };
        account.Grants.Add(grant);
        return grant;
    }

    private CreditTransaction Record(CreditAccount account, string type, decimal amount, DateTimeOffset at, string? logId = null, string? grantId = null,
        string? reason = null, decimal? heldReleased = null, long? inputTokens = null, long? outputTokens = null)
    {
        long sequence = ++_sequence;
        var transaction = new CreditTransaction("ctx_" + sequence.ToString("x12", CultureInfo.InvariantCulture), sequence, account.Id, type, amount,
            account.Settled(at), at, logId, grantId, reason, heldReleased, inputTokens, outputTokens);
        Append(account, transaction, journal: true);
        return transaction;
    }

    private void Append(CreditAccount account, CreditTransaction transaction, bool journal)
    {
        account.Transactions.Add(transaction);
        if (account.Transactions.Count > CreditAccount.TransactionsKept)
        {
            account.Transactions.RemoveRange(0, account.Transactions.Count - CreditAccount.TransactionsKept);
        }
        if (journal)
        {
            _journal?.Invoke(new LedgerChange.CreditTransaction(transaction));
        }
    }

    private CreditAccount Open(string id)
    {
        if (!_accounts.TryGetValue(id, out CreditAccount? account))
        {
            _accounts[id] = account = new CreditAccount { Id = id };
        }
        return account;
    }

    /// <summary>After a change: alerts that crossed, the next time something is due, and the account row.</summary>
    private void Changed(CreditAccount account, DateTimeOffset now)
    {
        Schedule(account);
        Alerts(account, now);
        _journal?.Invoke(new LedgerChange.CreditAccount(new CreditAccountRow(account.Id, [.. account.Grants.Where(g => !g.Expired || g.CreatedAt > now.AddDays(-1))], account.Debt,
            account.TierId, account.PeriodStart, account.NextRefillAt, [.. account.Below],
            account.Keys.Select(k => new GrantKeyRow(k.Key, k.Value.Fingerprint, k.Value.GrantId)).ToList())));
        account.Grants.RemoveAll(g => g.Expired && g.CreatedAt <= now.AddDays(-1) && !account.Keys.Values.Any(k => k.GrantId == g.Id));
    }

    private void Schedule(CreditAccount account)
    {
        foreach (CreditGrant grant in account.Grants)
        {
            if (!grant.Expired && grant.ExpiresAt is { } at && at < _nextEvent)
            {
                _nextEvent = at;
            }
            if (!grant.Announced && grant.EffectiveAt is { } from && from < _nextEvent)
            {
                _nextEvent = from;
            }
        }
        if (account.NextRefillAt is { } refill && refill < _nextEvent)
        {
            _nextEvent = refill;
        }
    }

    private void Alerts(CreditAccount account, DateTimeOffset now)
    {
        CreditTier? tier = account.TierId is null ? null : _tiers.GetValueOrDefault(account.TierId);
        decimal available = account.Available(now);
        decimal basis = tier?.Allocation ?? account.Grants.Where(g => g.LiveAt(now)).Sum(g => g.Amount);
        var thresholds = new List<(string Name, decimal At, CreditAlert? Alert)> { ("exhausted", 0, null) };
        foreach (CreditAlert alert in tier?.Alerts ?? [])
        {
            decimal at = alert.Below ?? basis * (alert.BelowPercent ?? 0) / 100m;
            thresholds.Add((alert.Below is { } b ? "below:" + b.ToString(CultureInfo.InvariantCulture) : "below_percent:" + alert.BelowPercent!.Value.ToString(CultureInfo.InvariantCulture), at, alert));
        }
        foreach ((string name, decimal at, CreditAlert? alert) in thresholds)
        {
            bool below = alert is null ? available <= 0 : available < at;
            if (below && account.Below.Add(name))
            {
                Raised.Add(new CreditAlertEvent(account.Id, alert is null ? "credits.exhausted" : "credits.low_balance", available, at, alert));
            }
            else if (!below)
            {
                account.Below.Remove(name); // back above: the next crossing fires again
            }
        }
    }
}

/// <summary>A validated grant request; <see cref="Fingerprint"/> is its body, for idempotency.</summary>
internal sealed record GrantRequest(string Account, decimal Amount, int Priority, DateTimeOffset? EffectiveAt, DateTimeOffset? ExpiresAt, string Category, string? Description, string? IdempotencyKey, string Fingerprint);

/// <summary>A balance that crossed a threshold: sent as a signed <c>credits.low_balance</c> or <c>credits.exhausted</c> webhook.</summary>
internal sealed record CreditAlertEvent(string Account, string Type, decimal Available, decimal Threshold, CreditAlert? Alert);
