using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Tokenlay.Emulator.Budget;
using Tokenlay.Emulator.Endpoints;
using Tokenlay.Emulator.Idempotency;
using Tokenlay.Emulator.Labels;
using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Pricing;
using Tokenlay.Emulator.Rules;
using Tokenlay.Emulator.Tokens;
using Tokenlay.Emulator.Upstream;

namespace Tokenlay.Emulator.Proxy;

/// <summary>
/// One proxied call, as a short orchestration over its stages: read and validate
/// (<see cref="RequestReader"/>) → idempotency (<see cref="IdempotencyStore"/>: replay or refuse) →
/// admission (<see cref="RuleAdmission"/>: rules and holds on the <see cref="Ledger"/>) → upstream
/// (<see cref="IProvider"/>) → settle (<see cref="UsageSettlement"/>, also for failed and
/// abandoned calls) → respond (<see cref="ProxyResponses"/>).
/// </summary>
internal sealed class ProxyHandler
{
    private readonly TokenlayEmulatorOptions _options;
    private readonly UsageStore _store;
    private readonly RuleAdmission _admission;
    private readonly IdempotencyStore _idempotency;
    private readonly IProvider _provider;
    private readonly Keys.KeyVault? _vault;
    private readonly CallLabeling _labeling;
    private readonly CancellationToken _stopping;

    public ProxyHandler(TokenlayEmulatorOptions options, UsageStore store, RuleAdmission admission, IdempotencyStore idempotency, IProvider provider, CallLabeling labeling, CancellationToken stopping, Keys.KeyVault? vault = null)
    {
        _vault = vault;
        _labeling = labeling;
        _stopping = stopping;
        _options = options;
        _store = store;
        _admission = admission;
        _idempotency = idempotency;
        _provider = provider;
    }

    public async Task HandleAsync(HttpContext http, string endpoint)
    {
        long started = Stopwatch.GetTimestamp();
        (ProxyCall? call, RequestError? invalid) = await RequestReader.ReadAsync(http, endpoint, _options, _vault);
        if (call is null)
        {
            await ProxyResponses.WriteRequestErrorAsync(http, invalid!);
            return;
        }

        string? key = call.Metadata.IdempotencyKey;
        // The customer whose key serves the call is part of what a key is bound to: its retry for another customer is a 409, not their answer.
        IReadOnlyDictionary<string, string> bound = call.Metadata.KeyRef is { } keyRef
            ? new Dictionary<string, string>(call.Metadata.Values) { ["\0key-ref"] = keyRef + "\0" + call.Metadata.KeyProvider }
            : call.Metadata.Values;
        string fingerprint = key is null ? "" : RequestFingerprint.Of(http.Request.Path, http.Request.Headers.Authorization.ToString(), bound, call.RawBody);
        await _idempotency.RunAsync(http, key, fingerprint, TokenlayHeaderNames.IdempotencyKey, keyed =>
        {
            // A keyed stream is copied as it goes out, so that its retries can be answered byte for byte.
            ResponseCapture? capture = null;
            if (keyed)
            {
                capture = new ResponseCapture(http.Response.Body);
                http.Response.Body = capture;
            }
            return RunAsync(http, call, started, capture, keyed);
        });
    }

    /// <summary>Admits, runs and meters the call; returns the answer to keep for its idempotency key, if worth replaying.</summary>
    private async Task<StoredResponse?> RunAsync(HttpContext http, ProxyCall call, long started, ResponseCapture? capture, bool keyed)
    {
        DateTimeOffset now = _options.TimeProvider.GetUtcNow();
        (string id, long sequence) = _store.NextId();
        RequestMetadata meta = call.Metadata;
        string? provider = (meta.Key is { } connected
            ? Keys.KeyProviders.PriceProvider(connected.Provider) ?? PriceTable.ProviderFromBase(connected.BaseUrl)
            : PriceTable.ProviderFromBase(meta.ProviderBase)) ?? (_options.Forward ? null : "openai");
        var entry = new CallLogEntry
        {
            Id = id, Sequence = sequence, Timestamp = now, Endpoint = call.Endpoint.Replace('/', '.'),
            User = meta["user"], Org = meta["org"], Plan = meta["plan"], Project = meta["project"], Feature = meta["feature"],
            Metadata = new Dictionary<string, string>(meta.Values), ModelRequested = call.Model, ModelUsed = call.Model,
            Provider = provider, Stream = call.Stream, IdempotencyKey = meta.IdempotencyKey, ReservationId = meta.ReservationId,
            KeyRef = meta.Key?.RefId, KeyId = meta.Key?.Id,
        };
        http.Response.Headers[TokenlayHeaderNames.RequestId] = id;
        var warnings = new List<string>();
        if (meta.Dropped.Count > 0)
        {
            warnings.Add($"Metadata named like a secret is never stored: {string.Join(", ", meta.Dropped.Select(f => "x-tokenlay-" + f))} ignored.");
        }

        string user = meta["user"] ?? "";
        int inFlight = _admission.Ledger.Enter(user);
        Dictionary<string, object?> context = RuleContext.Build(meta, call.Model, provider, _store, now, inFlight);
        long inputTokens = call.InputTokens;
        Reservation? reservation = null;
        if (meta.ReservationId is { } reservationId)
        {
            reservation = _admission.Ledger.Find(reservationId);
            if (reservation is null)
            {
                warnings.Add($"Reservation '{reservationId}' is unknown; this call is judged by the normal limits.");
            }
        }

        AdmissionOutcome? outcome = null;
        var progress = new StreamProgress();
        UpstreamReply? reply = null;
        bool cut = false;
        try
        {
            // Labeled before admission, so that a rule on prompt_labels can refuse the call before it reaches the provider.
            await _labeling.LabelPromptAsync(call, entry, http.RequestAborted);
            _labeling.AddTo(context, entry.PromptLabels);
            LabelHeaders.Set(http.Response, entry.PromptLabels);
            outcome = await _admission.AdmitAsync(context, call.Model,
                (rule, model) => Estimate(call.With(model, rule?.Then.ModelParams), provider), reservation,
                (rule, action, exceeded) => EventData(rule, action, entry, exceeded), entry, http.RequestAborted);
            entry.RuleId = outcome.Rule?.Id;
            entry.RuleAction = outcome.Action;
            entry.ModelUsed = outcome.Model;
            _labeling.PromptDecided(entry, outcome.Rule, context);
            warnings.AddRange(outcome.Warnings);
            if (outcome.Refused)
            {
                entry.Status = outcome.Status;
                entry.Error = outcome.Block is not null ? "subject blocked" : outcome.Credits is not null ? "insufficient credits" : outcome.Exceeded is null ? "blocked by rule" : "limit exceeded";
                await ProxyResponses.WriteRefusalAsync(http, outcome, warnings);
                return null;
            }
            // From here on the call is the one admitted: the rule's model and parameters, and the cap its hold allows.
            call = call.With(outcome.Model, outcome.Rule?.Then.ModelParams);
            if (outcome.Hold.OutputTokens is { } held)
            {
                long perChoice = Math.Max(1, held / call.Choices);
                call = call.WithOutputCap(perChoice);
                warnings.Add($"This call set no output limit; under rule '{outcome.Rule!.Id}' its output is capped at {perChoice} tokens{(call.Choices > 1 ? " per choice" : "")}, what it may hold (set max_tokens to choose).");
            }
            inputTokens = call.InputTokens;
            // Acknowledged means counted: with --data the hold is on disk before the provider is asked.
            await _admission.Ledger.DurableAsync();
            ProxyResponses.SetDecisionHeaders(http.Response, entry, outcome, warnings);

            if (call.Stream && meta.StreamSummary)
            {
                AdmissionOutcome admitted = outcome;
                ProxyCall served = call;
                progress.BeforeEnd = (input, output, reported) =>
                {
                    (MeteredUsage Usage, decimal? CostUsd) priced = Priced(UsageSettlement.WithinHold(
                        UsageSettlement.FromReply(new UpstreamReply(200, null, input, output, null, reported, progress.Text), served, admitted.Model, inputTokens), admitted.Hold),
                        provider, admitted.Model);
                    (decimal? used, decimal? remaining) = _admission.Ledger.PreviewCredits(admitted.Hold, priced.Usage.InputTokens, priced.Usage.OutputTokens);
                    return ProxyResponses.WriteStreamSummaryAsync(http, entry, started, priced, used, remaining);
                };
            }
            var request = new ProxyRequest(call.Endpoint, call.Body, outcome.Model, call.Stream, meta.Key?.Secret ?? meta.ProviderKey, meta.Key?.BaseUrl ?? meta.ProviderBase, inputTokens) { Key = meta.Key };
            if (meta.Key is { } used)
            {
                _vault?.Used(used.Id);
            }
            // A keyed plain call runs to the end even if its caller leaves, as Stripe's API does: its
            // retry (same key) then gets this answer instead of running, and paying, a second time.
            CancellationToken upstreamToken = keyed && !call.Stream ? _stopping : http.RequestAborted;
            try
            {
                reply = call.Stream
                    ? await _provider.StreamAsync(request, http.Response, progress, http.RequestAborted)
                    : await _provider.CompleteAsync(request, upstreamToken);
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !http.Response.HasStarted)
            {
                // Nothing reached the caller: the provider failed, and is answered as such (502, error source provider).
                reply = new UpstreamReply(502, null, 0, 0, "The provider could not be reached: " + e.Message);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException && http.Response.HasStarted)
            {
                // The stream broke after it began: all we can do is end the connection, so the caller sees it cut.
                entry.Error = "stream interrupted: " + e.Message;
                cut = true;
                http.Abort();
                return null;
            }

            entry.Status = reply.Status;
            if (!reply.Success)
            {
                entry.Error = reply.Error ?? "provider error";
                await ProxyResponses.WriteProviderErrorAsync(http, reply);
                // The provider's own 4xx is an answer worth replaying; 5xx and 429 are worth a retry.
                return reply.Status is >= 400 and < 500 and not 408 and not 429 && keyed
                    ? StoredResponse.Of(http, reply.Body ?? [])
                    : null;
            }
            MeteredUsage usage = UsageSettlement.WithinHold(UsageSettlement.FromReply(reply, call, outcome.Model, inputTokens), outcome.Hold);
            Meter(entry, usage, provider);
            entry.Success = true;
            if (http.Response.HasStarted)
            {
                return capture is { Overflowed: false } ? StoredResponse.Of(http, capture.Captured) : null;
            }
            if (usage.Warning is not null)
            {
                warnings.Add(usage.Warning);
                ProxyResponses.SetDecisionHeaders(http.Response, entry, outcome, warnings);
            }
            // Settled before the answer goes out, so that its headers carry the balance after this call.
            entry.Counted = true;
            _admission.Ledger.Settle(outcome.Hold, entry.InputTokens, entry.OutputTokens, entry.CostUsd, consumed: true);
            ProxyResponses.SetUsageHeaders(http.Response, entry, started);
            ProxyResponses.SetCreditHeaders(http.Response, outcome.Hold.CreditsUsed, outcome.Hold.CreditsRemaining);
            http.Response.ContentType = "application/json";
            StoredResponse? answer = keyed ? StoredResponse.Of(http, reply.Body ?? []) : null;
            try
            {
                await http.Response.Body.WriteAsync(reply.Body ?? [], http.RequestAborted);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException && http.RequestAborted.IsCancellationRequested)
            {
                entry.Error = "the caller went away before the answer; it is kept for a retry with the same idempotency key";
            }
            return answer;
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested && !entry.Success)
        {
            entry.Error = "the caller went away";
            cut = true;
            return null;
        }
        finally
        {
            if (cut)
            {
                // An abandoned or broken stream is metered for what was produced, and counts as a request.
                entry.Status = 499;
                if (progress.Started)
                {
                    MeteredUsage produced = UsageSettlement.FromProgress(progress, call, entry.ModelUsed!, inputTokens);
                    Meter(entry, outcome is null ? produced : UsageSettlement.WithinHold(produced, outcome.Hold), provider);
                }
            }
            entry.LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            entry.Counted = entry.Success || (cut && progress.Started);
            if (outcome is not null)
            {
                _admission.Ledger.Settle(outcome.Hold, entry.InputTokens, entry.OutputTokens, entry.CostUsd, consumed: entry.Counted);
            }
            _admission.Ledger.Leave(user);
            // The reply is labeled after the call ended; the entry is stored by the labeling stage.
            _labeling.Finish(call, entry, entry.Success || cut ? CallLabeling.ReplyText(reply, progress, call.Stream) : null, outcome?.Rule, context);
        }
    }

    private (MeteredUsage Usage, decimal? CostUsd) Priced(MeteredUsage usage, string? provider, string model) =>
        (usage, _store.Prices.Find(provider, model)?.CostOf(usage.InputTokens, usage.OutputTokens));

    private void Meter(CallLogEntry entry, MeteredUsage usage, string? provider)
    {
        entry.InputTokens = usage.InputTokens;
        entry.OutputTokens = usage.OutputTokens;
        entry.UsageSource = usage.Source;
        entry.CostUsd = _store.Prices.Find(provider, entry.ModelUsed!)?.CostOf(usage.InputTokens, usage.OutputTokens);
    }

    /// <summary>
    /// What a call is held for at admission: its exact prompt, and its output cap over all choices.
    /// A call with no cap is flexible: the ledger gives it what fits, up to <see cref="TokenlayEmulatorOptions.UncappedOutputTokenHold"/>,
    /// and no less than <see cref="TokenlayEmulatorOptions.DefaultOutputTokenEstimate"/>.
    /// </summary>
    private CallEstimate Estimate(ProxyCall call, string? provider)
    {
        long cap = OutputCaps.For(call.Model);
        long perChoice = !call.Generates ? 0 : call.MaxOutputTokens ?? Math.Clamp(_options.UncappedOutputTokenHold, 1, cap);
        long output = perChoice * call.Choices; // both bounded: at most 1,000,000 x 128
        long minimum = Math.Min(output, Math.Clamp(_options.DefaultOutputTokenEstimate, 1, cap) * call.Choices);
        return new CallEstimate(call.InputTokens, output, call.Generates && call.MaxOutputTokens is null, minimum, call.Choices, _store.Prices.Find(provider, call.Model));
    }

    private static JsonObject EventData(Rule rule, string action, CallLogEntry entry, ExceededLimit exceeded) => new()
    {
        ["rule_id"] = rule.Id,
        ["action"] = action,
        ["request_id"] = entry.Id,
        ["user"] = entry.User,
        ["org"] = entry.Org,
        ["project"] = entry.Project,
        ["feature"] = entry.Feature,
        ["model"] = entry.ModelRequested,
        ["limit"] = ProxyResponses.LimitJson(exceeded),
    };
}
