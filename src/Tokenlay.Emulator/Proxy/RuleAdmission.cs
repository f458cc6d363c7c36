using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Tokenlay.Emulator.Budget;
using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Rules;
using Tokenlay.Emulator.Webhooks;

namespace Tokenlay.Emulator.Proxy;

/// <summary>What admission decided for a call (or, for <c>POST /v1/check</c>, would decide).</summary>
internal sealed record AdmissionOutcome(Rule? Rule, string Action, string Model, Hold Hold, IReadOnlyList<string> Warnings, IReadOnlyList<LimitView> Limits)
{
    public bool Refused { get; init; }
    public ExceededLimit? Exceeded { get; init; }
    public int Status { get; init; } = 200;
    public string? ErrorType { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Set when the blocklist refused the call (403 <c>subject_blocked</c>).</summary>
    public BlockEntry? Block { get; init; }

    /// <summary>Set when credits refused the call (402): the account, what it has and what was required.</summary>
    public CreditRefusal? Credits { get; init; }
}

/// <summary>
/// The admission stage: the first matching rule, its action, and its limits on the one
/// <see cref="Ledger"/>. Proxied calls are admitted (counted and held); <see cref="Check"/> runs the
/// same decision without changing anything, so a check and the call after it agree.
/// </summary>
internal sealed class RuleAdmission
{
    private readonly TokenlayEmulatorOptions _options;
    private readonly Ledger _ledger;
    private readonly WebhookNotifier _webhooks;

    public RuleAdmission(TokenlayEmulatorOptions options, Ledger ledger, WebhookNotifier webhooks)
    {
        _options = options;
        _ledger = ledger;
        _webhooks = webhooks;
    }

    public Ledger Ledger => _ledger;

    /// <summary>The rule a call with this context falls under: the first that matches, by priority.</summary>
    public Rule? Match(IReadOnlyDictionary<string, object?> context) =>
        _options.Rules.FirstOrDefault(r => ConditionEvaluator.Matches(r.If, context));

    /// <summary>What a call would meet, with nothing counted, held or notified.</summary>
    public AdmissionOutcome Check(IReadOnlyDictionary<string, object?> context, string model, Func<string, UsageEstimate> estimate) =>
        Decide(context, model, (_, m) => Fixed(estimate(m)), null, dryRun: true, eventData: null, pending: null);

    // A check is told its estimate: nothing in it is flexible.
    private static CallEstimate Fixed(UsageEstimate estimate) => new(estimate.Tokens ?? 0, 0, false, 0, 1, null) { Known = estimate };

    /// <summary>
    /// Admits a proxied call: counts it and holds its estimate, or refuses it. A <c>queue</c> action
    /// on a concurrency limit waits for a slot, up to <see cref="TokenlayEmulatorOptions.MaxQueueWait"/>.
    /// </summary>
    public async Task<AdmissionOutcome> AdmitAsync(
        IReadOnlyDictionary<string, object?> context, string model, Func<Rule?, string, CallEstimate> estimate, Reservation? reservation,
        Func<Rule, string, ExceededLimit, JsonObject> eventData, CallLogEntry pending, CancellationToken cancellationToken)
    {
        AdmissionOutcome outcome = Decide(context, model, estimate, reservation, dryRun: false, eventData, pending);
        if (outcome.Action != "queue" || !outcome.Refused)
        {
            return outcome;
        }
        // A queued call is judged again whenever the ledger frees something, until a slot opens or its wait ends.
        TimeProvider time = _options.TimeProvider;
        DateTimeOffset deadline = time.GetUtcNow() + _options.MaxQueueWait;
        while (true)
        {
            Task changed = _ledger.ChangedAsync();
            Hold retry = _ledger.Admit(outcome.Rule!, context, outcome.Model, estimate(outcome.Rule, outcome.Model), force: false, reservation, pending);
            if (retry.Exceeded is null)
            {
                return outcome with { Hold = retry, Refused = false, Status = 200, ErrorType = null, ErrorCode = null, ErrorMessage = null, RetryAfterSeconds = null };
            }
            TimeSpan left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return outcome with { Action = "block" };
            }
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task timeout = Task.Delay(left, time, wait.Token);
            await Task.WhenAny(changed, timeout);
            wait.Cancel();
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private AdmissionOutcome Decide(
        IReadOnlyDictionary<string, object?> context, string model, Func<Rule?, string, CallEstimate> estimate, Reservation? reservation,
        bool dryRun, Func<Rule, string, ExceededLimit, JsonObject>? eventData, CallLogEntry? pending)
    {
        // The blocklist comes before anything else: a blocked subject meets no rule at all.
        if (_ledger.Blocked(context) is { } blocked)
        {
            return RefusedByBlock(blocked, model, _options.TimeProvider.GetUtcNow());
        }
        Rule? rule = Match(context);
        if (rule is null)
        {
            return new AdmissionOutcome(null, "allow", model, Hold.None, [], []);
        }
        model = rule.Then.Model ?? model;
        var warnings = new List<string>();
        if (rule.Then.Action == "block")
        {
            return BlockedByRule(rule, model, $"This call is blocked by rule '{rule.Id}'.");
        }
        string action = "allow";
        if (rule.Then.Action == "warn")
        {
            action = "warn";
            warnings.Add($"Rule '{rule.Id}' flagged this call.");
        }
        foreach (RuleLimit limit in rule.Then.Limits)
        {
            // The rules engine reads `per` as a path into the call's metadata and does not alias
            // (userId, bare "user" headers): say so rather than count the call in one shared bucket.
            if (limit.MissingPerField(context) is { } field)
            {
                warnings.Add($"Rule '{rule.Id}' limits {limit.Type} per '{field}', but this call has no '{field}' (send x-tokenlay-{field}); it is counted in one bucket shared by every call without it.");
            }
        }
        if (rule.Then.Limits.Count == 0 && rule.Then.Credits is null)
        {
            return new AdmissionOutcome(rule, action, model, Hold.None, warnings, []);
        }

        IReadOnlyList<LimitView> views = dryRun ? _ledger.Check(rule, context, Known(estimate(rule, model))) : [];
        Hold hold;
        ExceededLimit? exceeded;
        if (dryRun)
        {
            hold = Hold.None;
            LimitView? first = views.FirstOrDefault(v => !v.Fits);
            exceeded = first is null ? null : new ExceededLimit(first.Limit, first.PerValue, first.Current, first.ResetsAt);
        }
        else
        {
            hold = _ledger.Admit(rule, context, model, estimate(rule, model), force: false, reservation, pending);
            exceeded = hold.Exceeded;
            if (hold.ReservationRefused is { } why)
            {
                warnings.Add(why + "; this call is judged by the normal limits.");
            }
            if (hold.CreditRefusal is { } credits)
            {
                return RefusedByCredits(rule, model, credits) with { Warnings = warnings };
            }
        }
        if (exceeded is null)
        {
            return new AdmissionOutcome(rule, action, model, hold, warnings, views);
        }

        LimitExceededAction onExceeded = rule.Then.OnLimitExceeded;
        if (!dryRun && onExceeded.BlockFor is { } blockFor)
        {
            string field = exceeded.Limit.TrackingKey ?? exceeded.Limit.Per;
            _ledger.Blocks((list, now) => list.Add(new BlockEntry(field + ":" + exceeded.PerValue,
                $"Rule '{rule.Id}': {LimitMessage(exceeded)}.", now + blockFor, now, rule.Id)));
        }
        switch (onExceeded.Action)
        {
            case "downgrade":
                string cheaper = onExceeded.DowngradeTo!;
                if (onExceeded.ErrorMessage is { } note)
                {
                    warnings.Add(note);
                }
                Notify(rule, "limit.exceeded", "downgrade", exceeded, eventData);
                return new AdmissionOutcome(rule, "downgrade", cheaper, dryRun ? hold : _ledger.Admit(rule, context, cheaper, estimate(rule, cheaper), force: true, reservation, pending), warnings, views)
                {
                    Exceeded = exceeded,
                };
            case "warn":
                warnings.Add(LimitMessage(exceeded) + " (warning only: the call went through).");
                Notify(rule, "limit.warning", "warn", exceeded, eventData);
                return new AdmissionOutcome(rule, "warn", model, dryRun ? hold : _ledger.Admit(rule, context, model, estimate(rule, model), force: true, reservation, pending), warnings, views)
                {
                    Exceeded = exceeded,
                };
            default:
                bool queue = onExceeded.Action == "queue" && exceeded.Limit.Type == "concurrent";
                if (!queue)
                {
                    Notify(rule, "limit.exceeded", "block", exceeded, eventData);
                }
                DateTimeOffset now = _options.TimeProvider.GetUtcNow();
                return new AdmissionOutcome(rule, queue ? "queue" : "block", model, hold, warnings, views)
                {
                    Refused = true,
                    Exceeded = exceeded,
                    Status = onExceeded.HttpStatus,
                    ErrorType = TokenlayErrorCodes.LimitExceededType,
                    ErrorCode = onExceeded.ErrorCode ?? DefaultErrorCode(exceeded),
                    ErrorMessage = onExceeded.ErrorMessage ?? LimitMessage(exceeded) + ".",
                    RetryAfterSeconds = onExceeded.RetryAfterSeconds ?? SecondsUntil(exceeded, now),
                };
        }
    }

    private static UsageEstimate Known(CallEstimate estimate) => estimate.Known ?? estimate.Usage;

    private void Notify(Rule rule, string type, string action, ExceededLimit exceeded, Func<Rule, string, ExceededLimit, JsonObject>? eventData)
    {
        if (eventData is not null)
        {
            _webhooks.Notify(rule, type, eventData(rule, action, exceeded));
        }
    }

    /// <summary>
    /// A call or reservation the account's credits do not cover: 402 <c>insufficient_credits</c> (or
    /// <c>credits_unpriced_model</c> for a model with no credit price), never retried.
    /// </summary>
    internal static AdmissionOutcome RefusedByCredits(Rule rule, string model, CreditRefusal credits) => new(rule, "block", model, Hold.None, [], [])
    {
        Refused = true, Status = 402, Credits = credits,
        ErrorType = credits.Code == "credits_unpriced_model" ? TokenlayErrorCodes.InvalidRequestType : TokenlayErrorCodes.InsufficientCreditsType,
        ErrorCode = credits.Code,
        ErrorMessage = credits.Code == "credits_unpriced_model"
            ? $"The model {model} has no price and no credit rate, so it cannot be paid for from the credits of '{credits.Account}'. Set a price (PUT /v1/pricing) or a credit rate."
            : $"The credits of '{credits.Account}' do not cover this call: {RuleSet.Format(credits.Available)} available, {RuleSet.Format(credits.Required)} required.",
    };

    /// <summary>A subject on the blocklist: 403 <c>subject_blocked</c>, with Retry-After when the entry ends.</summary>
    internal static AdmissionOutcome RefusedByBlock(BlockEntry entry, string model, DateTimeOffset now) => new(null, "block", model, Hold.None, [], [])
    {
        Refused = true, Status = 403, Block = entry, ErrorType = TokenlayErrorCodes.BlockedType, ErrorCode = TokenlayErrorCodes.SubjectBlocked,
        ErrorMessage = $"'{entry.Subject}' is blocked{(entry.Until is { } until ? " until " + until.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) : "")}{(entry.Reason is { } reason ? ": " + reason : ".")}",
        RetryAfterSeconds = entry.Until is { } end ? (int)Math.Ceiling(Math.Max(0, (end - now).TotalSeconds)) : null,
    };

    /// <summary>The refusal of a rule whose action is <c>block</c>: 403 <c>rule_blocked</c>.</summary>
    internal static AdmissionOutcome BlockedByRule(Rule rule, string model, string message) => new(rule, "block", model, Hold.None, [], [])
    {
        Refused = true, Status = 403, ErrorType = "rule_blocked", ErrorMessage = message,
    };

    /// <summary>The error code of a limit refusal when the rule names none, such as <c>day_requests_limit</c>.</summary>
    internal static string DefaultErrorCode(ExceededLimit exceeded) => $"{exceeded.Limit.Window}_{exceeded.Limit.Type}_limit";

    /// <summary>Retry-After for a limit: 1 s for concurrency, else the seconds until its window resets.</summary>
    internal static int? SecondsUntil(ExceededLimit exceeded, DateTimeOffset now) => exceeded.Limit.Type == "concurrent"
        ? 1
        : exceeded.ResetsAt is { } at ? (int)Math.Ceiling(Math.Max(0, (at - now).TotalSeconds)) : null;

    internal static string LimitMessage(ExceededLimit e) =>
        $"{Capitalize(e.Limit.Type)} limit of {RuleSet.Format(e.Limit.Max)} per {e.Limit.Per}{(e.Limit.Window == "total" || e.Limit.Type == "concurrent" ? "" : " per " + e.Limit.Window)} reached";

    private static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
