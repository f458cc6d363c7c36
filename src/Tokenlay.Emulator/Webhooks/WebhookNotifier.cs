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
/// Sends a rule's <c>notify</c> webhooks, signed as the README's webhook section says (x-tokenlay-signature), without holding up the call
/// that hit the limit. Delivery is attempted once, with a short timeout.
/// </summary>
internal sealed class WebhookNotifier : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly ConcurrentDictionary<Task, byte> _pending = new();
    private readonly string _secret;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<WebhookDelivery> _deliveries = new();

    /// <summary>How many deliveries <see cref="RecentDeliveries"/> keeps.</summary>
    public const int DeliveriesKept = 100;

    public WebhookNotifier(string secret, TimeProvider time, ILogger logger)
    {
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
        string signature = TokenlayWebhooks.ComputeSignatureHeader(payload, _secret, now);
        string eventId = JsonNode.Parse(payload)!["id"]!.GetValue<string>();
        foreach (RuleNotification target in rule.Then.Notify)
        {
            Task send = SendAsync(target.Url, payload, signature, eventId, type, rule.Id);
            _pending.TryAdd(send, 0);
            _ = send.ContinueWith(t => _pending.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    /// <summary>The most recent deliveries, newest first (<c>GET /v1/webhooks/deliveries</c>).</summary>
    public IReadOnlyList<WebhookDelivery> RecentDeliveries() => _deliveries.Reverse().ToArray();

    private async Task SendAsync(string url, string payload, string signature, string eventId, string type, string ruleId)
    {
        DateTimeOffset at = _time.GetUtcNow();
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
        _deliveries.Enqueue(new WebhookDelivery(eventId, type, ruleId, url, at, status, status is >= 200 and < 300, error));
        while (_deliveries.Count > DeliveriesKept && _deliveries.TryDequeue(out _))
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task all = Task.WhenAll(_pending.Keys.ToArray());
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(2)));
        _http.Dispose();
    }
}

/// <summary>One attempt to deliver a webhook event.</summary>
public sealed record WebhookDelivery(string EventId, string Type, string RuleId, string Url, DateTimeOffset AttemptedAt, int? Status, bool Delivered, string? Error);
