using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using OpenAI.Chat;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

public class TelemetryTests
{
    private sealed record Measurement(string Instrument, double Value, Dictionary<string, object?> Tags);

    private static MeterListener Listen(ConcurrentQueue<Measurement> into, string feature)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == TokenlayTelemetry.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var dict = new Dictionary<string, object?>();
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                dict[tag.Key] = tag.Value;
            }
            if (Equals(dict.GetValueOrDefault("tokenlay.feature"), feature)) // other tests run in parallel
            {
                into.Enqueue(new Measurement(instrument.Name, value, dict));
            }
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => OnMeasurement(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => OnMeasurement(i, v, t));
        listener.Start();
        return listener;
    }

    private static Task<FakeProxy> StartMeteredProxy() => FakeProxy.StartAsync(async (context, _) =>
    {
        IHeaderDictionary h = context.Response.Headers;
        h["x-tokenlay-input-tokens"] = "11";
        h["x-tokenlay-output-tokens"] = "7";
        h["x-tokenlay-cost"] = "0.25";
        h["x-tokenlay-rule-action"] = "warn";
        h["x-tokenlay-model"] = "gpt-4o-mini";
        h["x-tokenlay-request-id"] = "req_tel";
        await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok"));
    });

    [Fact]
    public async Task Tokens_cost_duration_and_rule_action_are_recorded_with_genai_names()
    {
        string feature = "tel-" + Guid.NewGuid().ToString("N");
        var measurements = new ConcurrentQueue<Measurement>();
        using MeterListener listener = Listen(measurements, feature);
        await using FakeProxy proxy = await StartMeteredProxy();

        using (TokenlayScope.Begin(new TokenlayRequestContext { Feature = feature, User = "alice" }))
        {
            await TestKeys.Client(proxy).GetChatClient("gpt-4o").CompleteChatAsync("hi");
        }

        Measurement[] all = measurements.ToArray();
        Assert.Equal(11, all.Single(m => m.Instrument == "gen_ai.client.token.usage" && (string?)m.Tags["gen_ai.token.type"] == "input").Value);
        Assert.Equal(7, all.Single(m => m.Instrument == "gen_ai.client.token.usage" && (string?)m.Tags["gen_ai.token.type"] == "output").Value);
        Assert.Equal(0.25, all.Single(m => m.Instrument == "tokenlay.client.cost").Value);
        Assert.True(all.Single(m => m.Instrument == "gen_ai.client.operation.duration").Value > 0);
        Measurement action = all.Single(m => m.Instrument == "tokenlay.client.rule_actions");
        Assert.Equal("warn", action.Tags["tokenlay.rule_action"]);
        Assert.Equal("gpt-4o-mini", action.Tags["gen_ai.response.model"]);
        Assert.Equal("chat", action.Tags["gen_ai.operation.name"]);
        Assert.All(all, m => Assert.False(m.Tags.ContainsKey("tokenlay.user"))); // no user tag unless asked for
    }

    [Fact]
    public async Task The_user_tag_can_be_hashed_so_the_id_never_reaches_the_metrics()
    {
        string feature = "tel-" + Guid.NewGuid().ToString("N");
        var measurements = new ConcurrentQueue<Measurement>();
        using MeterListener listener = Listen(measurements, feature);
        await using FakeProxy proxy = await StartMeteredProxy();
        ChatClient chat = TestKeys.Client(proxy, o => o.TelemetryUserTag = TokenlayUserTagMode.Hashed).GetChatClient("m");

        using (TokenlayScope.Begin(new TokenlayRequestContext { Feature = feature, User = "alice@example.com" }))
        {
            await chat.CompleteChatAsync("hi");
            await chat.CompleteChatAsync("hi");
        }

        string[] users = measurements.Select(m => (string)m.Tags["tokenlay.user"]!).Distinct().ToArray();
        Assert.Single(users);
        Assert.Equal(16, users[0].Length);
        Assert.DoesNotContain("alice", users[0]);
    }

    [Fact]
    public async Task Each_http_attempt_is_one_span_under_the_current_activity_with_genai_and_tokenlay_attributes()
    {
        int attempts = 0;
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                return OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.Error("busy", "server_error"), 503);
            }
            context.Response.Headers["x-tokenlay-request-id"] = "req_span";
            context.Response.Headers["x-tokenlay-cost"] = "0.25";
            context.Response.Headers["x-tokenlay-input-tokens"] = "11";
            context.Response.Headers["x-tokenlay-output-tokens"] = "4";
            context.Response.Headers["x-tokenlay-model"] = "gpt-4o-mini-2024-07-18";
            context.Response.Headers["x-tokenlay-rule-id"] = "pro";
            context.Response.Headers["x-tokenlay-rule-action"] = "allow";
            return OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok"));
        });
        using var spans = new SpanRecorder();

        using (Activity parent = spans.StartParent())
        {
            await TestKeys.Client(proxy).GetChatClient("gpt-4o-mini").CompleteChatAsync("hi");

            Assert.Null(parent.GetTagItem("tokenlay.request_id")); // never written onto the caller's activity
        }

        Activity[] recorded = spans.Spans.OrderBy(s => s.GetTagItem("tokenlay.attempt")).ToArray();
        Assert.Equal(2, recorded.Length);
        Assert.All(recorded, s =>
        {
            Assert.Equal(spans.Parent!.SpanId, s.ParentSpanId);
            Assert.Equal(ActivityKind.Client, s.Kind);
            Assert.Equal("chat gpt-4o-mini", s.DisplayName);
            Assert.Equal("chat", s.GetTagItem("gen_ai.operation.name"));
            Assert.Equal("gpt-4o-mini", s.GetTagItem("gen_ai.request.model"));
        });
        Assert.Equal((1, 503, ActivityStatusCode.Error), ((int)recorded[0].GetTagItem("tokenlay.attempt")!, (int)recorded[0].GetTagItem("http.response.status_code")!, recorded[0].Status));
        Activity ok = recorded[1];
        Assert.Equal(2, ok.GetTagItem("tokenlay.attempt"));
        Assert.Equal("req_span", ok.GetTagItem("tokenlay.request_id"));
        Assert.Equal(("pro", "allow"), (ok.GetTagItem("tokenlay.rule_id"), ok.GetTagItem("tokenlay.rule_action")));
        Assert.Equal(0.25, ok.GetTagItem("tokenlay.cost_usd"));
        Assert.Equal("gpt-4o-mini-2024-07-18", ok.GetTagItem("gen_ai.response.model"));
        Assert.Equal((11L, 4L), (ok.GetTagItem("gen_ai.usage.input_tokens"), ok.GetTagItem("gen_ai.usage.output_tokens")));
    }

    [Fact]
    public async Task Two_calls_inside_one_parent_span_each_keep_their_own_attributes()
    {
        int calls = 0;
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, request) =>
        {
            context.Response.Headers["x-tokenlay-request-id"] = "req_" + Interlocked.Increment(ref calls);
            return OpenAIReplies.WriteJsonAsync(context, request.Path.EndsWith("/embeddings", StringComparison.Ordinal)
                ? OpenAIReplies.Embeddings()
                : OpenAIReplies.ChatCompletion("ok"));
        });
        using var spans = new SpanRecorder();
        OpenAI.OpenAIClient client = TestKeys.Client(proxy);

        using (spans.StartParent())
        {
            await client.GetChatClient("gpt-4o-mini").CompleteChatAsync("one");
            await client.GetEmbeddingClient("text-embedding-3-small").GenerateEmbeddingAsync("two");
        }

        Assert.Equal(new[] { "req_1", "req_2" }, spans.Spans.Select(s => (string)s.GetTagItem("tokenlay.request_id")!).Order());
        Assert.Equal(new[] { "chat gpt-4o-mini", "embeddings text-embedding-3-small" }, spans.Spans.Select(s => s.DisplayName).Order());
    }

    [Fact]
    public async Task A_connection_failure_ends_its_span_as_an_error()
    {
        using var spans = new SpanRecorder();
        var options = new TokenlayOptions { TokenlayKey = TestKeys.Tokenlay, TokenlayBaseUrl = new Uri($"http://127.0.0.1:{ClosedPort.Get()}"), MaxRetries = 0 };

        using (spans.StartParent())
        {
            await Assert.ThrowsAsync<TokenlayConnectionException>(() => TokenlayOpenAIClient.Create(options).GetChatClient("m").CompleteChatAsync("hi"));
        }

        Activity span = Assert.Single(spans.Spans);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.NotNull(span.GetTagItem("error.type"));
    }
}
