using System.ClientModel;
using System.Text.Json;
using OpenAI.Chat;
using Tokenlay.Companion;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

/// <summary>Issue 24: intent labels in the SDK: the extensible enum, the header, the log, check, usage and the webhook.</summary>
public class LabelTests
{
    [Fact]
    public void A_label_is_an_extensible_enum_compared_by_its_text_ignoring_case()
    {
        TokenlayLabel fromWire = "JAILBREAK";
        TokenlayLabel future = new("self_harm");

        Assert.Equal(TokenlayLabel.Jailbreak, fromWire);
        Assert.True(fromWire == TokenlayLabel.Jailbreak);
        Assert.True(TokenlayLabel.Win != TokenlayLabel.Safe);
        Assert.Equal(TokenlayLabel.Jailbreak.GetHashCode(), fromWire.GetHashCode());
        Assert.Equal("self_harm", future.ToString());
        Assert.Equal(["jailbreak", "tos_breach", "frustration", "win", "safe"],
            new[] { TokenlayLabel.Jailbreak, TokenlayLabel.TosBreach, TokenlayLabel.Frustration, TokenlayLabel.Win, TokenlayLabel.Safe }.Select(l => l.ToString()));
        Assert.True(future.IsAlert);
        Assert.True(TokenlayLabel.TosBreach.IsAlert);
        Assert.False(TokenlayLabel.Win.IsAlert);
        Assert.False(TokenlayLabel.Safe.IsAlert);
        Assert.Equal("", default(TokenlayLabel).ToString());
        Assert.NotEqual(default, TokenlayLabel.Safe);
        Assert.Throws<ArgumentNullException>(() => new TokenlayLabel(null!));
        Assert.Contains(TokenlayLabel.Frustration, new HashSet<TokenlayLabel> { "Frustration" });
    }

    [Fact]
    public void Labels_are_read_from_and_written_to_json_as_strings()
    {
        TokenlayLogEntry entry = JsonSerializer.Deserialize(
            """{"id":"req_1","labels":["tos_breach","frustration"],"prompt_labels":["frustration"],"labels_error":"reply: timed out"}""",
            TokenlayJsonContext.Default.TokenlayLogEntry)!;

        Assert.Equal([TokenlayLabel.TosBreach, TokenlayLabel.Frustration], entry.Labels);
        Assert.Equal([TokenlayLabel.Frustration], entry.PromptLabels);
        Assert.Equal("reply: timed out", entry.LabelsError);
        Assert.Contains("\"labels\":[\"tos_breach\",\"frustration\"]", JsonSerializer.Serialize(entry, TokenlayJsonContext.Default.TokenlayLogEntry));
        Assert.Null(JsonSerializer.Deserialize("""{"id":"req_2"}""", TokenlayJsonContext.Default.TokenlayLogEntry)!.Labels);
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"labels":[1]}""", TokenlayJsonContext.Default.TokenlayLogEntry));

        TokenlayCheckResult check = JsonSerializer.Deserialize("""{"allowed":true,"labels":["win"]}""", TokenlayJsonContext.Default.TokenlayCheckResult)!;
        Assert.Equal([TokenlayLabel.Win], check.RecentLabels);
        Assert.Empty(JsonSerializer.Deserialize("""{"allowed":true}""", TokenlayJsonContext.Default.TokenlayCheckResult)!.RecentLabels);

        TokenlayUsage usage = JsonSerializer.Deserialize("""{"by_label":[{"label":"jailbreak","calls":3,"requests":1,"input_tokens":10,"output_tokens":5,"cost_usd":0.01}]}""",
            TokenlayJsonContext.Default.TokenlayUsage)!;
        Assert.Equal((TokenlayLabel.Jailbreak, 3L, 1L, 0.01m), (usage.ByLabel[0].Label, usage.ByLabel[0].Calls, usage.ByLabel[0].Requests, usage.ByLabel[0].CostUsd));
    }

    [Fact]
    public async Task The_labels_header_is_parsed_into_response_info()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            context.Response.Headers["x-tokenlay-request-id"] = "req_1";
            context.Response.Headers["x-tokenlay-labels"] = " jailbreak, tos_breach,,jailbreak ";
            await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok"));
        });

        ClientResult<ChatCompletion> result = await TestKeys.Client(proxy).GetChatClient("gpt-4o").CompleteChatAsync("hi");
        TokenlayResponseInfo info = result.GetTokenlayInfo();

        Assert.Equal([TokenlayLabel.Jailbreak, TokenlayLabel.TosBreach], info.Labels);
        Assert.Contains("labels=jailbreak,tos_breach", info.ToString());
    }

    [Fact]
    public async Task Without_the_header_labels_are_empty()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) => OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok")));

        ClientResult<ChatCompletion> result = await TestKeys.Client(proxy).GetChatClient("gpt-4o").CompleteChatAsync("hi");

        Assert.Empty(result.GetTokenlayInfo().Labels);
    }

    [Fact]
    public void A_stream_summary_sets_the_labels_and_combined_round_trips_keep_each_label_once()
    {
        TokenlayResponseInfo headers = TokenlayModelFactory.ResponseInfo(requestId: "req_1", labels: [TokenlayLabel.Safe]);

        TokenlayResponseInfo summarised = headers.WithStreamSummary("""{"cost":0.5,"labels":["frustration","win"]}"""u8);
        TokenlayResponseInfo combined = TokenlayResponseInfo.Combine([headers, summarised, TokenlayModelFactory.ResponseInfo(labels: [TokenlayLabel.Win])]);

        Assert.Equal([TokenlayLabel.Frustration, TokenlayLabel.Win], summarised.Labels);
        Assert.Equal([TokenlayLabel.Safe], headers.WithStreamSummary("""{"cost":0.5}"""u8).Labels);
        Assert.Equal([TokenlayLabel.Frustration, TokenlayLabel.Win], combined.Labels); // safe only when nothing else was found
    }

    [Fact]
    public void A_label_detected_webhook_is_constructed_as_a_typed_label_event()
    {
        const string payload = """{"id":"evt_9","type":"label.detected","created":1795000000,"data":{"request_id":"req_7","rule_id":"watch","labels":["jailbreak","tos_breach"],"part":"prompt","user":"eve","org":"acme","project":null,"feature":"chat","model":"gpt-4o"}}""";
        DateTimeOffset now = DateTimeOffset.FromUnixTimeSeconds(1_795_000_000);
        string header = TokenlayWebhooks.ComputeSignatureHeader(payload, "whsec_1", now);

        var e = Assert.IsType<TokenlayLabelEvent>(TokenlayWebhooks.ConstructEvent(payload, header, ["whsec_1"], null, now));

        Assert.Equal(TokenlayWebhookEvent.LabelDetectedType, e.Type);
        Assert.Equal([TokenlayLabel.Jailbreak, TokenlayLabel.TosBreach], e.Labels);
        Assert.Equal(("prompt", "watch", "req_7", "eve", "acme", null, "chat", "gpt-4o"), (e.Part, e.RuleId, e.RequestId, e.User, e.Org, e.Project, e.Feature, e.Model));
        Assert.Equal(payload, e.RawJson);
    }

    [Fact]
    public void The_model_factory_builds_label_events_whose_raw_json_parses_back_the_same()
    {
        DateTimeOffset at = new(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);
        TokenlayLabelEvent made = TokenlayModelFactory.LabelEvent([TokenlayLabel.Frustration], part: "reply", created: at, ruleId: "watch", requestId: "req_1", user: "ann");
        string header = TokenlayWebhooks.ComputeSignatureHeader(made.RawJson, "whsec_1", at);

        var parsed = Assert.IsType<TokenlayLabelEvent>(TokenlayWebhooks.ConstructEvent(made.RawJson, header, ["whsec_1"], null, at));

        Assert.Equal((made.Id, made.Created, made.Part, made.RuleId, made.RequestId, made.User), (parsed.Id, parsed.Created, parsed.Part, parsed.RuleId, parsed.RequestId, parsed.User));
        Assert.Equal(made.Labels, parsed.Labels);
        Assert.Equal([TokenlayLabel.Jailbreak], TokenlayModelFactory.LabelEvent().Labels);
        Assert.Equal([TokenlayLabel.Win], TokenlayModelFactory.ResponseInfo(labels: [TokenlayLabel.Win]).Labels);
        Assert.Empty(TokenlayModelFactory.ResponseInfo().Labels);
    }

    [Fact]
    public async Task The_log_query_sends_the_label_filter()
    {
        string? query = null;
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            query = context.Request.QueryString.Value;
            await OpenAIReplies.WriteJsonAsync(context, """{"data":[],"next_cursor":null,"total":0}""");
        });
        var client = new TokenlayClient(new TokenlayOptions { TokenlayKey = "tl_test", TokenlayBaseUrl = proxy.BaseUrl });

        await client.Logs.GetPageAsync(new TokenlayLogQuery { Label = TokenlayLabel.TosBreach });

        Assert.Contains("label=tos_breach", query);
    }
}
