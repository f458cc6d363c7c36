using System.Net;
using System.Text.Json.Nodes;
using Tokenlay.Emulator.Rules;
using Tokenlay.Emulator.Tests.Integrity;

namespace Tokenlay.Emulator.Tests.Fidelity;

/// <summary>Issue 11, item 9: the rules format is the public tokenlay-rules schema.</summary>
public class RulesFormatTests
{
    [Fact]
    public void The_config_wrapper_with_version_rules_and_metadata_is_accepted()
    {
        IReadOnlyList<Rule> rules = RuleSet.Parse("""
            { "version": "1.0", "metadata": { "owner": "billing" },
              "rules": [ { "id": "free", "description": "free plan", "if": { "plan": "free" }, "then": { "model": "gpt-4o-mini" } } ] }
            """);

        Assert.Equal("free", Assert.Single(rules).Id);
    }

    [Fact]
    public void Fractional_priorities_order_rules()
    {
        IReadOnlyList<Rule> rules = RuleSet.Parse("""
            [ { "id": "low", "priority": 1.25, "if": {}, "then": {} }, { "id": "high", "priority": 1.5, "if": {}, "then": {} } ]
            """);

        Assert.Equal(["high", "low"], rules.Select(r => r.Id));
    }

    [Fact]
    public async Task String_operands_of_comparisons_compare_as_the_engine_does()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [ { "id": "late", "if": { "signup": { "gte": "2026-06-01" }, "seats": { "gt": "10" } }, "then": { "action": "block" } } ]
            """);
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage late = await Calls.ChatAsync(http, "hi", headers: new Dictionary<string, string> { ["x-tokenlay-signup"] = "2026-07-15", ["x-tokenlay-seats"] = "25" });
        HttpResponseMessage early = await Calls.ChatAsync(http, "hi", headers: new Dictionary<string, string> { ["x-tokenlay-signup"] = "2025-12-01", ["x-tokenlay-seats"] = "25" });
        HttpResponseMessage small = await Calls.ChatAsync(http, "hi", headers: new Dictionary<string, string> { ["x-tokenlay-signup"] = "2026-07-15", ["x-tokenlay-seats"] = "9" });

        Assert.Equal(HttpStatusCode.Forbidden, late.StatusCode);
        Assert.Equal(HttpStatusCode.OK, early.StatusCode);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode); // "9" > "10" as text, but both are numbers: compared as numbers
    }

    [Fact]
    public async Task Notifications_under_on_limit_exceeded_are_delivered_and_other_types_warn_at_start()
    {
        var received = new List<string>();
        await using var receiver = await WebhookReceiver.StartAsync(received);
        IReadOnlyList<Rule> rules = RuleSet.Parse($$"""
            [ { "id": "one", "if": {}, "then": {
                "limits": [ { "type": "requests", "max": 1, "window": "day", "per": "user" } ],
                "on_limit_exceeded": { "action": "block", "notify": [
                    { "type": "webhook", "url": "{{receiver.Url}}" },
                    { "type": "email", "email": "ops@example.com" },
                    { "type": "slack", "channel": "#alerts" } ] } } } ]
            """, "rules.json", out IReadOnlyList<string> warnings);
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.Rules = rules);
        using HttpClient http = Emu.Http(emulator);

        await Calls.ChatAsync(http, "first", "n");
        await Calls.ChatAsync(http, "second", "n");

        await AbandonedStreamTests.WaitUntil(() => received.Count == 1);
        Assert.Contains("limit.exceeded", received[0]);
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("email", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("slack", StringComparison.Ordinal));
    }

    [Fact]
    public void The_old_then_notify_placement_still_works_with_a_deprecation_warning()
    {
        IReadOnlyList<Rule> rules = RuleSet.Parse("""
            [ { "id": "old", "if": {}, "then": { "notify": [ { "type": "webhook", "url": "http://127.0.0.1:9/hook" } ] } } ]
            """, "rules.json", out IReadOnlyList<string> warnings);

        Assert.Single(Assert.Single(rules).Then.Notify);
        Assert.Contains("deprecated", Assert.Single(warnings));
    }

    [Fact]
    public async Task Model_params_are_applied_to_the_call_sent_upstream()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [ { "id": "short", "if": { "plan": "free" }, "then": { "model_params": { "max_tokens": 3 } } } ]
            """);
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage response = await Calls.ChatAsync(http, "please write me a long and detailed essay", headers: new Dictionary<string, string> { ["x-tokenlay-plan"] = "free" });

        JsonNode reply = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("length", (string?)reply["choices"]![0]!["finish_reason"]);
        Assert.InRange((int)reply["usage"]!["completion_tokens"]!, 1, 3);
    }

    [Fact]
    public async Task A_downgrades_error_message_is_surfaced_as_a_warning()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [ { "id": "d", "if": {}, "then": { "limits": [ { "type": "requests", "max": 1, "window": "day", "per": "user" } ],
                "on_limit_exceeded": { "action": "downgrade", "downgrade_to": "gpt-4o-mini", "error_message": "You are on the slow lane today." } } } ]
            """);
        using HttpClient http = Emu.Http(emulator);
        await Calls.ChatAsync(http, "one", "w", model: "gpt-4o");

        HttpResponseMessage second = await Calls.ChatAsync(http, "two", "w", model: "gpt-4o");

        Assert.Equal("gpt-4o-mini", second.Headers.GetValues("x-tokenlay-model").Single());
        Assert.Contains("slow lane", second.Headers.GetValues("x-tokenlay-warnings").Single());
    }
}

/// <summary>A local endpoint that records the webhook bodies it receives.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly Microsoft.AspNetCore.Builder.WebApplication _app;

    private WebhookReceiver(Microsoft.AspNetCore.Builder.WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public static async Task<WebhookReceiver> StartAsync(List<string> received, Func<int, int>? statusForAttempt = null)
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        Microsoft.AspNetCore.Hosting.HostingAbstractionsWebHostBuilderExtensions.UseUrls(builder.WebHost, "http://127.0.0.1:0");
        var app = builder.Build();
        int attempts = 0;
        Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions.MapPost(app, "/hook", async (Microsoft.AspNetCore.Http.HttpContext http) =>
        {
            string body = await new StreamReader(http.Request.Body).ReadToEndAsync();
            int attempt = Interlocked.Increment(ref attempts);
            int status = statusForAttempt?.Invoke(attempt) ?? 200;
            if (status == 200)
            {
                lock (received)
                {
                    received.Add(body);
                }
            }
            http.Response.StatusCode = status;
        });
        await app.StartAsync();
        return new WebhookReceiver(app, app.Urls.First() + "/hook");
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
