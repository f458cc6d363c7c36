using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Webhooks;

/// <summary>
/// Sends a rule's webhooks, signed as the README's webhook section says (x-tokenlay-signature),
/// without holding up the call that hit the limit. A delivery that fails (no answer in 5 seconds,
/// or any status but 2xx) is tried again after each of <see cref="TokenlayEmulatorOptions.WebhookRetryDelays"/>,
/// signed anew each time, as Stripe retries; every attempt is kept in the delivery record.
/// </summary>
internal sealed class WebhookNotifier : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly ConcurrentDictionary<Task, byte> _pending = new();
    private readonly string _secret;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<WebhookDelivery> _deliveries = new();
    private readonly IReadOnlyList<TimeSpan> _retryDelays;
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>How many deliveries <see cref="RecentDeliveries"/> keeps.</summary>
    public const int DeliveriesKept = 100;

    public WebhookNotifier(string secret, TimeProvider time, ILogger logger, IReadOnlyList<TimeSpan>? retryDelays = null)
    {
        _retryDelays = retryDelays ?? [];
        _secret = secret;
        _time = time;
        _logger = logger;
    }

    public void Notify(Rule rule, string type, JsonObject data)
    {
        if (rule.Then.Notify.Count == 0)
        {
            return;
        }
        DateTimeOffset now = _time.GetUtcNow();
        string payload = new JsonObject
        {
            ["id"] = "evt_" + Guid.NewGuid().ToString("N")[..24],
            ["type"] = type,
            ["created"] = now.ToUnixTimeSeconds(),
            ["data"] = data,
        }.ToJsonString();
        string eventId = JsonNode.Parse(payload)!["id"]!.GetValue<string>();
        foreach (RuleNotification target in rule.Then.Notify)
        {
            Task send = DeliverAsync(target.Url, payload, eventId, type, rule.Id);
            _pending.TryAdd(send, 0);
            _ = send.ContinueWith(t => _pending.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    /// <summary>The most recent deliveries, newest first (<c>GET /v1/webhooks/deliveries</c>).</summary>
    public IReadOnlyList<WebhookDelivery> RecentDeliveries() => _deliveries.Reverse().ToArray();

    private async Task DeliverAsync(string url, string payload, string eventId, string type, string ruleId)
    {
        for (int attempt = 1; ; attempt++)
        {
            if (await SendAsync(url, payload, eventId, type, ruleId, attempt) || attempt > _retryDelays.Count)
            {
                return;
            }
            try
            {
                await Task.Delay(_retryDelays[attempt - 1], _time, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return; // the emulator is stopping
            }
        }
    }

    private async Task<bool> SendAsync(string url, string payload, string eventId, string type, string ruleId, int attempt)
    {
        DateTimeOffset at = _time.GetUtcNow();
        string signature = TokenlayWebhooks.ComputeSignatureHeader(payload, _secret, at);
        int? status = null;
        string? error = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
            request.Headers.Add(TokenlayWebhooks.SignatureHeader, signature);
            using HttpResponseMessage response = await _http.SendAsync(request);
            status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                _logger.LogWarning("Webhook to {Url} answered {Status}", url, (int)response.StatusCode);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            error = e.Message;
            _logger.LogWarning("Webhook to {Url} failed: {Reason}", url, e.Message);
        }
        bool delivered = status is >= 200 and < 300;
        DateTimeOffset? nextAttempt = !delivered && attempt <= _retryDelays.Count ? _time.GetUtcNow() + _retryDelays[attempt - 1] : null;
        _deliveries.Enqueue(new WebhookDelivery(eventId, type, ruleId, url, at, status, delivered, error) { Attempt = attempt, NextAttemptAt = nextAttempt });
        while (_deliveries.Count > DeliveriesKept && _deliveries.TryDequeue(out _))
        {
        }
        return delivered;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        Task all = Task.WhenAll(_pending.Keys.ToArray());
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(2)));
        _http.Dispose();
    }
}

/// <summary>One attempt to deliver a webhook event.</summary>
public sealed record WebhookDelivery(string EventId, string Type, string RuleId, string Url, DateTimeOffset AttemptedAt, int? Status, bool Delivered, string? Error)
{
    /// <summary>1 for the first attempt, then 2, 3… for retries.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>When the next attempt is due, for a failed attempt that will be retried; null otherwise.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }
}
