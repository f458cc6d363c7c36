using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Tests.Budgets;

/// <summary>Issue 25, item 9: a limit has the same shape on every route (check, record, refusal), with its subject.</summary>
public class LimitShapeTests
{
    private const string PerUserCost = """
        [{ "id": "cost", "if": {}, "then": { "limits": [ { "type": "cost", "max": 0.001, "window": "month", "per": "user" } ] } }]
        """;

    [Fact]
    public async Task A_record_past_a_per_user_limit_names_the_user_and_what_is_left()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(PerUserCost);
        var tokenlay = new TokenlayClient(emulator.CreateClientOptions());

        TokenlayRecordResult recorded = await tokenlay.Usage.RecordAsync(new TokenlayUsageRecord("gpt-4o", inputTokens: 100_000, outputTokens: 10_000) { User = "alice" });

        Assert.True(recorded.LimitExceeded);
        TokenlayLimitStatus limit = Assert.IsType<TokenlayLimitStatus>(recorded.Limit);
        Assert.Equal(("alice", 0m, true), (limit.Key, limit.Remaining, limit.Exceeded));
        Assert.Contains("per user 'alice' per month", limit.ToString());
    }

    [Fact]
    public async Task Check_record_and_refusal_give_a_limit_the_same_fields()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(PerUserCost);
        using HttpClient http = Emu.Http(emulator);

        JsonNode record = JsonNode.Parse(await (await http.PostAsync("/v1/usage/records",
            Emu.Json("""{"model":"gpt-4o","input_tokens":100000,"output_tokens":10000,"metadata":{"user":"alice"}}"""))).Content.ReadAsStringAsync())!;
        JsonNode check = JsonNode.Parse(await (await http.PostAsync("/v1/check",
            Emu.Json("""{"model":"gpt-4o","metadata":{"user":"alice"}}"""))).Content.ReadAsStringAsync())!;
        var call = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Emu.Json("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""") };
        call.Headers.Add("x-tokenlay-user", "alice");
        JsonNode refusal = JsonNode.Parse(await (await http.SendAsync(call)).Content.ReadAsStringAsync())!;

        string[] Fields(JsonNode? limit) => limit!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal).ToArray();
        string[] expected = Fields(check["limits"]![0]);
        Assert.Equal(expected, Fields(record["limit"]));
        Assert.Equal(expected, Fields(refusal["error"]!["tokenlay"]!["limit"]));
        Assert.Equal("alice", (string?)record["limit"]!["key"]);
        Assert.Equal("alice", (string?)refusal["error"]!["tokenlay"]!["limit"]!["key"]);
    }
}
