using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Proxy;
using Tokenlay.Emulator.Rules;
using Tokenlay.Emulator.Upstream;
using Tokenlay.Emulator.Webhooks;

namespace Tokenlay.Emulator.Labels;

/// <summary>
/// The labeling stage of a proxied call. The prompt is labeled before admission, so that a rule can
/// refuse it (<see cref="LabelPromptAsync"/>, <see cref="AddTo"/>); once the rule is known its
/// labels go into the subject's history and a <c>label.detected</c> webhook
/// (<see cref="PromptDecided"/>). The reply is labeled after the call ends, off the response path
/// (<see cref="Finish"/>): a labeler that answers at once (the simulated one) is done before the log
/// entry is stored; a slower one updates the entry when it answers.
/// </summary>
internal sealed class CallLabeling : IAsyncDisposable
{
    /// <summary>The webhook type of a label other than <c>safe</c> and <c>win</c>.</summary>
    public const string WebhookType = "label.detected";

    private readonly ILabeler? _labeler;
    private readonly IReadOnlyList<string> _perFields;
    private readonly WebhookNotifier _webhooks;
    private readonly UsageStore _store;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _pending = new();

    public CallLabeling(ILabeler? labeler, LabelHistory history, IReadOnlyList<string> perFields, WebhookNotifier webhooks, UsageStore store, TimeProvider time)
    {
        _labeler = labeler;
        History = history;
        _perFields = perFields;
        _webhooks = webhooks;
        _store = store;
        _time = time;
    }

    /// <summary>The subjects' recent labels.</summary>
    public LabelHistory History { get; }

    /// <summary>Labels the call's prompt onto <paramref name="entry"/>; a labeler failure is kept in <see cref="CallLogEntry.LabelsError"/>.</summary>
    public async Task LabelPromptAsync(ProxyCall call, CallLogEntry entry, CancellationToken cancellationToken)
    {
        if (_labeler is null || PromptText.Of(call.Endpoint, call.Body) is not { } text)
        {
            return;
        }
        LabelResult result = await SafeLabelAsync(new LabelInput(text, LabelPart.Prompt, call, entry), cancellationToken);
        entry.PromptLabels = entry.Labels = result.Labels;
        entry.LabelsError = result.Error is null ? null : "prompt: " + result.Error;
    }

    /// <summary>The labels <paramref name="user"/> had in the last 24 hours (<c>POST /v1/check</c>'s <c>labels</c>); empty without a user.</summary>
    public IReadOnlyList<string> RecentLabels(string? user) =>
        string.IsNullOrEmpty(user) ? [] : History.Recent("user:" + user, LabelConditions.DefaultWithin);

    /// <summary>Puts the prompt's labels and the history into a rule context, for <c>prompt_labels</c> and <c>recent_labels</c>.</summary>
    public void AddTo(Dictionary<string, object?> context, IReadOnlyList<string>? promptLabels)
    {
        context[LabelConditions.PromptLabels] = promptLabels;
        context[LabelConditions.HistoryKey] = History;
    }

    /// <summary>Once admission has decided: the prompt's labels join the subject's history (later calls see them), and are notified.</summary>
    public void PromptDecided(CallLogEntry entry, Rule? rule, IReadOnlyDictionary<string, object?> context)
    {
        if (entry.PromptLabels is not { } labels)
        {
            return;
        }
        History.Record(Subjects(context), labels, entry.Timestamp);
        Notify(rule, entry, labels, LabelPart.Prompt);
    }

    /// <summary>
    /// Labels the reply (when the call produced one) and stores the entry: at once when the labeler
    /// answers at once, otherwise now, and again with its labels when the labeler answers.
    /// </summary>
    public void Finish(ProxyCall call, CallLogEntry entry, string? reply, Rule? rule, IReadOnlyDictionary<string, object?> context)
    {
        bool promptLabeled = entry.PromptLabels is not null || entry.LabelsError is not null; // not so for embeddings, or with no labeler
        if (_labeler is null || !promptLabeled || string.IsNullOrEmpty(reply))
        {
            _store.Add(entry);
            return;
        }
        Task<LabelResult> labeling;
        try
        {
            labeling = SafeLabelAsync(new LabelInput(reply, LabelPart.Reply, call, entry), _stopping.Token);
        }
        catch (ObjectDisposedException)
        {
            _store.Add(entry); // the emulator is stopping
            return;
        }
        if (labeling.IsCompletedSuccessfully)
        {
            Apply(entry, labeling.Result, rule, context);
            _store.Add(entry);
            return;
        }
        _store.Add(entry);
        Task later = labeling.ContinueWith(t =>
        {
            Apply(entry, t.IsCompletedSuccessfully ? t.Result : LabelResult.Failed("the labeler stopped"), rule, context);
            _store.Changed(entry);
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        _pending.TryAdd(later, 0);
        _ = later.ContinueWith(t => _pending.TryRemove(t, out _), TaskScheduler.Default);
    }

    // A labeler promises not to throw for its own failures; should one still throw, the call goes on unlabeled all the same.
    private async Task<LabelResult> SafeLabelAsync(LabelInput input, CancellationToken cancellationToken)
    {
        try
        {
            return await _labeler!.LabelAsync(input, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return LabelResult.Failed("the labeler failed (" + e.GetType().Name + ")");
        }
    }

    /// <summary>The text a provider's reply carries: what was relayed of a stream, or the reply body's message text.</summary>
    public static string? ReplyText(UpstreamReply? reply, StreamProgress progress, bool stream)
    {
        if (stream)
        {
            return progress.Started ? progress.Text : null;
        }
        return reply is not { Success: true } ? null : reply.OutputText ?? (reply.Body is { } body ? ProviderEvent.Read(body).Text : null);
    }

    /// <summary>Completes when every reply being labeled now is done; for tests and shutdown.</summary>
    public Task WhenIdleAsync() => Task.WhenAll(_pending.Keys.ToArray());

    private void Apply(CallLogEntry entry, LabelResult result, Rule? rule, IReadOnlyDictionary<string, object?> context)
    {
        if (result.Labels is not { } labels)
        {
            entry.LabelsError = entry.LabelsError is null ? "reply: " + result.Error : entry.LabelsError + "; reply: " + result.Error;
            return;
        }
        entry.Labels = IntentLabels.Union(entry.PromptLabels?.Where(l => l != IntentLabels.Safe), labels);
        History.Record(Subjects(context), labels, _time.GetUtcNow());
        // The prompt's labels were notified already: only what the reply adds is new.
        Notify(rule, entry, labels.Except(entry.PromptLabels ?? []).ToArray(), LabelPart.Reply);
    }

    private void Notify(Rule? rule, CallLogEntry entry, IReadOnlyList<string> labels, LabelPart part)
    {
        string[] alerts = labels.Where(IntentLabels.IsAlert).ToArray();
        if (rule is null || alerts.Length == 0)
        {
            return;
        }
        _webhooks.Notify(rule, WebhookType, new JsonObject
        {
            ["request_id"] = entry.Id,
            ["rule_id"] = rule.Id,
            ["labels"] = new JsonArray(alerts.Select(l => (JsonNode?)l).ToArray()),
            ["part"] = part == LabelPart.Prompt ? "prompt" : "reply",
            ["user"] = entry.User,
            ["org"] = entry.Org,
            ["project"] = entry.Project,
            ["feature"] = entry.Feature,
            ["model"] = entry.ModelRequested,
        });
    }

    private IEnumerable<string> Subjects(IReadOnlyDictionary<string, object?> context) =>
        _perFields.Select(per => LabelConditions.Subject(per, context)).OfType<string>();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAny(WhenIdleAsync(), Task.Delay(TimeSpan.FromSeconds(2)));
        _stopping.Dispose();
    }
}
