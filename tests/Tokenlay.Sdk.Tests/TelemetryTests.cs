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
    public async Task The_current_activity_gets_the_tokenlay_tags()
    {
        await using FakeProxy proxy = await StartMeteredProxy();
        using var source = new ActivitySource("Tokenlay.Tests." + Guid.NewGuid().ToString("N"));
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(activityListener);

        using (Activity activity = source.StartActivity("handle request")!)
        {
            await TestKeys.Client(proxy).GetChatClient("m").CompleteChatAsync("hi");

            Assert.Equal("req_tel", activity.GetTagItem("tokenlay.request_id"));
            Assert.Equal(0.25, activity.GetTagItem("tokenlay.cost_usd"));
            Assert.Equal(11L, activity.GetTagItem("gen_ai.usage.input_tokens"));
        }
    }
}
