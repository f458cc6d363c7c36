using System.Text.Json.Nodes;
using Tokenlay.Emulator.Rules;
using Tokenlay.Emulator.Tests.Integrity;

namespace Tokenlay.Emulator.Tests.Fidelity;

/// <summary>Issue 11, item 12: failed webhook deliveries are retried with backoff and every attempt is on record.</summary>
public class WebhookRetryTests
{
    [Fact]
    public async Task A_failed_delivery_is_retried_signed_anew_until_it_is_accepted()
    {
        var received = new List<string>();
        // The receiver fails twice (503, then 500) and accepts the third attempt.
        await using var receiver = await WebhookReceiver.StartAsync(received, attempt => attempt switch { 1 => 503, 2 => 500, _ => 200 });
        IReadOnlyList<Rule> rules = RuleSet.Parse($$"""
            [ { "id": "one", "if": {}, "then": { "limits": [ { "type": "requests", "max": 1, "window": "day", "per": "user" } ],
                "on_limit_exceeded": { "action": "block", "notify": [ { "type": "webhook", "url": "{{receiver.Url}}" } ] } } } ]
            """);
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o =>
        {
            o.Rules = rules;
            o.WebhookRetryDelays = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200)];
        });
        using HttpClient http = Emu.Http(emulator);

        await Calls.ChatAsync(http, "first", "r");
        await Calls.ChatAsync(http, "blocked", "r");

        // The receiver has the event before the emulator has its answer: wait for the record of the third attempt.
        JsonArray deliveries = [];
        for (int i = 0; i < 100 && deliveries.Count < 3; i++)
        {
            await Task.Delay(50);
            deliveries = JsonNode.Parse(await http.GetStringAsync("/v1/webhooks/deliveries"))!["data"]!.AsArray();
        }
        Assert.Single(received);
        Assert.Equal([3, 2, 1], deliveries.Select(d => (int)d!["attempt"]!));
        Assert.Equal([true, false, false], deliveries.Select(d => (bool)d!["delivered"]!));
        Assert.Equal([200, 500, 503], deliveries.Select(d => (int)d!["status"]!));
        Assert.Single(deliveries.Select(d => (string?)d!["event_id"]).Distinct());
        Assert.NotNull(deliveries[2]!["next_attempt_at"]);
        Assert.Null(deliveries[0]!["next_attempt_at"]);
    }
}
