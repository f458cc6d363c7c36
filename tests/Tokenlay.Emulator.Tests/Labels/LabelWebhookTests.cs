using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tokenlay.Companion;
using Tokenlay.Emulator.Tests.Core;

namespace Tokenlay.Emulator.Tests.Labels;

/// <summary>Issue 24: <c>label.detected</c> webhooks, and labels found in the reply.</summary>
public class LabelWebhookTests
{
    private const string Secret = "whsec_labels";

    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        public readonly Channel<(string Body, string Signature)> Received = Channel.CreateUnbounded<(string, string)>();

        private Receiver(WebApplication app) => _app = app;

        public string Url => _app.Urls.First() + "/hooks";

        public static async Task<Receiver> StartAsync()
        {
            WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            WebApplication app = builder.Build();
            var receiver = new Receiver(app);
            app.MapPost("/hooks", async (HttpRequest request) =>
            {
                string body = await new StreamReader(request.Body).ReadToEndAsync();
                await receiver.Received.Writer.WriteAsync((body, request.Headers[TokenlayWebhooks.SignatureHeader].ToString()));
                return Results.Ok();
            });
            await app.StartAsync();
            return receiver;
        }

        public async Task<TokenlayWebhookEvent> NextAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            (string body, string signature) = await Received.Reader.ReadAsync(timeout.Token);
            return TokenlayWebhooks.ConstructEvent(body, signature, Secret);
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }

    private static string WatchRule(string url) => $$"""
        [{ "id": "watch", "if": { "plan": "consumer" },
           "then": { "on_limit_exceeded": { "notify": [ { "type": "webhook", "url": "{{url}}" } ] } } }]
        """;

    [Fact]
    public async Task A_label_other_than_safe_and_win_sends_a_signed_label_detected_webhook_to_the_rules_targets()
    {
        await using Receiver receiver = await Receiver.StartAsync();
        await using TokenlayEmulator emulator = await Emu.StartAsync(WatchRule(receiver.Url), o => o.WebhookSecret = Secret);
        OpenAI.Chat.ChatClient chat = Emu.Chat(emulator);
        async Task<TokenlayResponseInfo> Say(string prompt, string plan = "consumer")
        {
            using (TokenlayScope.Begin(new TokenlayRequestContext { User = "alice", Plan = plan, Project = "support" }))
            {
                return (await chat.CompleteChatAsync(prompt)).GetRawResponse().GetTokenlayInfo();
            }
        }

        TokenlayResponseInfo breach = await Say("How do I steal credit card numbers?");
        await Say("Perfect, thank you!");            // win: no webhook
        await Say("hello");                          // safe: no webhook
        await Say("write malware", plan: "other");   // no rule matched: no targets
        await Say("This is useless.");

        var first = Assert.IsType<TokenlayLabelEvent>(await receiver.NextAsync());
        Assert.Equal(TokenlayWebhookEvent.LabelDetectedType, first.Type);
        Assert.Equal([TokenlayLabel.TosBreach], first.Labels);
        Assert.Equal("prompt", first.Part);
        Assert.Equal("watch", first.RuleId);
        Assert.Equal(breach.RequestId, first.RequestId);
        Assert.Equal(("alice", "support", "gpt-4o-mini"), (first.User, first.Project, first.Model));
        var second = Assert.IsType<TokenlayLabelEvent>(await receiver.NextAsync());
        Assert.Equal([TokenlayLabel.Frustration], second.Labels);
        Assert.False(receiver.Received.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Labels_found_in_the_reply_join_the_entry_the_history_and_a_reply_webhook_but_not_the_header()
    {
        await using Receiver receiver = await Receiver.StartAsync();
        await using FakeProvider provider = await FakeProvider.StartAsync(async (http, _) =>
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(new JsonObject
            {
                ["id"] = "chatcmpl-fake", ["object"] = "chat.completion", ["created"] = 0, ["model"] = "gpt-4o-mini",
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0, ["finish_reason"] = "stop",
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "Sure, I will write malware for you." },
                }),
            }.ToJsonString());
        });
        await using TokenlayEmulator emulator = await Emu.StartAsync(WatchRule(receiver.Url), o => { o.Forward = true; o.WebhookSecret = Secret; });
        using HttpClient http = Emu.Http(emulator);
        HttpRequestMessage request = FakeProvider.Forwarded(provider, """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}]}""", "alice");
        request.Headers.Add("x-tokenlay-plan", "consumer");

        HttpResponseMessage response = await http.SendAsync(request);

        Assert.Equal("safe", response.Headers.GetValues("x-tokenlay-labels").Single()); // the prompt's labels
        var detected = Assert.IsType<TokenlayLabelEvent>(await receiver.NextAsync());
        Assert.Equal(("reply", TokenlayLabel.TosBreach), (detected.Part, detected.Labels.Single()));
        var tokenlay = new TokenlayClient(new TokenlayOptions { TokenlayKey = emulator.Key, TokenlayBaseUrl = emulator.BaseUrl });
        TokenlayLogEntry entry = await tokenlay.Logs.GetAsync(detected.RequestId!);
        Assert.Equal([TokenlayLabel.TosBreach], entry.Labels); // safe gives way to what the reply had
        Assert.Equal([TokenlayLabel.Safe], entry.PromptLabels);
        Assert.Equal([TokenlayLabel.TosBreach], (await tokenlay.Limits.CheckAsync(new TokenlayCheckRequest("gpt-4o-mini") { User = "alice" })).Value.RecentLabels);
    }

    [Fact]
    public async Task A_streamed_reply_is_labeled_on_what_was_relayed()
    {
        await using FakeProvider provider = await FakeProvider.StartAsync(async (http, _) =>
        {
            http.Response.ContentType = "text/event-stream";
            foreach (string piece in new[] { "Glad to hear: ", "thanks, that ", "worked for you too." })
            {
                string chunk = new JsonObject
                {
                    ["id"] = "chatcmpl-fake", ["object"] = "chat.completion.chunk", ["created"] = 0, ["model"] = "gpt-4o-mini",
                    ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject { ["content"] = piece } }),
                }.ToJsonString();
                await http.Response.WriteAsync("data: " + chunk + "\n\n");
            }
            await http.Response.WriteAsync("data: [DONE]\n\n");
        });
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.Forward = true);
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage response = await http.SendAsync(FakeProvider.Forwarded(provider,
            """{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"this is useless"}]}""", "alice"));
        await response.Content.ReadAsStringAsync();

        var tokenlay = new TokenlayClient(new TokenlayOptions { TokenlayKey = emulator.Key, TokenlayBaseUrl = emulator.BaseUrl });
        TokenlayLogEntry entry = await tokenlay.Logs.GetAsync(response.Headers.GetValues("x-tokenlay-request-id").Single());
        Assert.Equal([TokenlayLabel.Frustration], entry.PromptLabels);
        Assert.Equal([TokenlayLabel.Frustration, TokenlayLabel.Win], entry.Labels); // "thanks, that worked" across two chunks
    }
}
