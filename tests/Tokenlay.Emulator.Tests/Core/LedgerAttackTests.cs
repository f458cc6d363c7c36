using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Tests.Integrity;

namespace Tokenlay.Emulator.Tests.Core;

/// <summary>
/// Issue 20: the attacks that got past the ledger on e8c96aa, each replayed through HTTP as the
/// attacker sent it. Every test here failed on that commit.
/// </summary>
public sealed class LedgerAttackTests : IDisposable
{
    private const string FreePlan = """
        [{ "id": "free", "if": { "plan": "free" }, "then": { "limits": [ { "type": "requests", "max": 3, "window": "day", "per": "user" } ] } }]
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("tokenlay-core-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<HttpResponseMessage> Free(HttpClient http, string user, string? reservation = null)
    {
        var headers = new Dictionary<string, string> { ["x-tokenlay-plan"] = "free" };
        if (reservation is not null)
        {
            headers["x-tokenlay-reservation"] = reservation;
        }
        return Calls.ChatAsync(http, "hello", user, headers: headers);
    }

    private static async Task<JsonNode> Json(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    private static async Task<decimal> CurrentAsync(HttpClient http, string ruleId, string key)
    {
        JsonNode status = await Json(await http.GetAsync("/v1/rules/status"));
        JsonNode rule = status["data"]!.AsArray().Single(r => (string?)r!["id"] == ruleId)!;
        JsonNode? usage = rule["limits"]![0]!["closest"]!.AsArray().FirstOrDefault(u => (string?)u!["key"] == key);
        return usage is null ? 0 : (decimal)usage["current"]!;
    }

    [Fact]
    public async Task Item1_a_reservation_of_another_subject_lifts_no_request_limit()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(FreePlan);
        using HttpClient http = Emu.Http(emulator);
        HttpResponseMessage reserved = await http.PostAsync("/v1/reservations", Emu.Json("""
            {"model": "gpt-4o-mini", "metadata": {"user": "bob", "plan": "pro"}, "estimate": {"input_tokens": 10, "output_tokens": 10}}
            """));
        Assert.Equal(HttpStatusCode.Created, reserved.StatusCode);
        string reservation = (string)(await Json(reserved))["id"]!;
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Free(http, "alice")).StatusCode);
        }

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage last = null!;
        for (int i = 0; i < 20; i++)
        {
            last = await Free(http, "alice", reservation);
            statuses.Add(last.StatusCode);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        Assert.Equal(3, await CurrentAsync(http, "free", "alice"));
        Assert.Contains("normal limits", last.Headers.GetValues("x-tokenlay-warnings").Single());
        JsonNode after = await Json(await http.GetAsync("/v1/reservations/" + reservation));
        Assert.Equal(0, (long)after["calls"]!);
    }

    [Fact]
    public async Task Item1_a_reservation_of_the_same_subject_still_counts_requests()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "free", "if": { "plan": "free" }, "then": { "limits": [
                { "type": "requests", "max": 2, "window": "day", "per": "user" },
                { "type": "tokens", "max": 100000, "window": "day", "per": "user" } ] } }]
            """);
        using HttpClient http = Emu.Http(emulator);
        HttpResponseMessage reserved = await http.PostAsync("/v1/reservations", Emu.Json("""
            {"model": "gpt-4o-mini", "metadata": {"user": "alice", "plan": "free"}, "estimate": {"input_tokens": 5000, "output_tokens": 5000}}
            """));
        string reservation = (string)(await Json(reserved))["id"]!;

        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 5; i++)
        {
            statuses.Add((await Free(http, "alice", reservation)).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(2, (long)(await Json(await http.GetAsync("/v1/reservations/" + reservation)))["calls"]!);
    }

    [Theory]
    [InlineData("max_tokens")]
    [InlineData("max_completion_tokens")]
    public async Task Item2_an_output_cap_beyond_what_the_model_produces_is_refused_and_poisons_nothing(string field)
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "global", "if": {}, "then": { "limits": [ { "type": "tokens", "max": 5000, "window": "day", "per": "global" } ] } }]
            """);
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage attack = await http.PostAsync("/v1/chat/completions", Emu.Json(
            $$"""{"model":"gpt-4o-mini","{{field}}":9223372036854775807,"messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, attack.StatusCode);
        JsonNode error = (await Json(attack))["error"]!;
        Assert.Equal(field, (string?)error["param"]);
        Assert.Contains("16384", (string?)error["message"]);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Calls.ChatAsync(http, "hello", "user" + i, maxTokens: 50)).StatusCode);
        }
        decimal current = await CurrentAsync(http, "global", "*");
        Assert.InRange(current, 1, 5000);
    }

    [Fact]
    public async Task Item2_n_times_the_cap_cannot_overflow_the_estimate()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "global", "if": {}, "then": { "limits": [ { "type": "tokens", "max": 5000, "window": "day", "per": "global" } ] } }]
            """, o => o.ExtraModels = ["*"]);
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage big = await http.PostAsync("/v1/chat/completions", Emu.Json(
            """{"model":"some-local-model","max_tokens":128000,"n":128,"messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.TooManyRequests, big.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Calls.ChatAsync(http, "hello", "u", maxTokens: 20)).StatusCode);
    }

    [Fact]
    public async Task Item3_limits_reservations_and_idempotency_keys_survive_a_restart()
    {
        string data = Path.Combine(_dir, "tokenlay.db");
        const string Rules = """
            [{ "id": "free", "if": { "plan": "free" }, "then": { "limits": [
                { "type": "requests", "max": 3, "window": "day", "per": "user" },
                { "type": "tokens", "max": 100000, "window": "day", "per": "user" } ] } }]
            """;
        string reservation;
        string firstId;
        await using (TokenlayEmulator first = await Emu.StartAsync(Rules, o => o.DataPath = data))
        {
            using HttpClient http = Emu.Http(first);
            HttpResponseMessage keyed = await Calls.ChatAsync(http, "hello", "alice", key: "once-only", headers: new Dictionary<string, string> { ["x-tokenlay-plan"] = "free" });
            firstId = (string)(await Json(keyed))["id"]!;
            Assert.Equal(HttpStatusCode.OK, (await Free(http, "alice")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Free(http, "alice")).StatusCode);
            Assert.Equal(HttpStatusCode.TooManyRequests, (await Free(http, "alice")).StatusCode);
            reservation = (string)(await Json(await http.PostAsync("/v1/reservations", Emu.Json("""
                {"model": "gpt-4o-mini", "metadata": {"user": "carol", "plan": "free"}, "estimate": {"input_tokens": 40000, "output_tokens": 50000}, "ttl_seconds": 3600}
                """))))["id"]!;
        }

        await using TokenlayEmulator second = await Emu.StartAsync(Rules, o => o.DataPath = data);
        using HttpClient again = Emu.Http(second);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Free(again, "alice")).StatusCode);
        JsonNode held = await Json(await again.GetAsync("/v1/reservations/" + reservation));
        Assert.Equal("active", (string?)held["status"]);
        Assert.Equal(90000, (long)held["held"]!["tokens"]!);
        HttpResponseMessage check = await again.PostAsync("/v1/check", Emu.Json("""
            {"model": "gpt-4o-mini", "metadata": {"user": "carol", "plan": "free"}, "estimate": {"input_tokens": 10000, "output_tokens": 10001}}
            """));
        Assert.False((bool)(await Json(check))["allowed"]!);
        HttpResponseMessage replay = await Calls.ChatAsync(again, "hello", "alice", key: "once-only", headers: new Dictionary<string, string> { ["x-tokenlay-plan"] = "free" });
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues("x-tokenlay-idempotent-replayed").Single());
        Assert.Equal(firstId, (string)(await Json(replay))["id"]!);
    }

    [Fact]
    public async Task Item4_a_second_emulator_on_the_same_store_is_refused_naming_the_file()
    {
        string data = Path.Combine(_dir, "shared.db");
        await using TokenlayEmulator first = await Emu.StartAsync(configure: o => o.DataPath = data);

        var error = await Assert.ThrowsAsync<EmulatorStoreException>(() => Emu.StartAsync(configure: o => o.DataPath = data));

        Assert.Contains(data, error.Message);
        Assert.Contains("in use", error.Message);
        using HttpClient http = Emu.Http(first);
        Assert.Equal(HttpStatusCode.OK, (await Calls.ChatAsync(http, "still mine", "u")).StatusCode);
    }

    [Fact]
    public async Task Item5_concurrent_calls_without_max_tokens_never_pass_a_token_limit()
    {
        await using FakeProvider provider = await FakeProvider.HonouringCapAsync(3000);
        await using TokenlayEmulator proxy = await Emu.StartAsync("""
            [{ "id": "daily", "if": {}, "then": { "limits": [ { "type": "tokens", "max": 10000, "window": "day", "per": "user" } ] } }]
            """, o => o.Forward = true);
        using HttpClient http = Emu.Http(proxy);

        HttpResponseMessage[] answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            http.SendAsync(FakeProvider.Forwarded(provider, """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"write a long essay"}]}""", "eve"))));

        long metered = proxy.Store.Snapshot().Where(e => e.Counted).Sum(e => e.InputTokens + e.OutputTokens);
        Assert.InRange(metered, 1, 10_000);
        Assert.InRange(await CurrentAsync(http, "daily", "eve"), 1, 10_000);
        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.All(provider.Received, body => Assert.NotNull(body["max_completion_tokens"] ?? body["max_tokens"]));
        HttpResponseMessage capped = answers.First(a => a.StatusCode == HttpStatusCode.OK);
        Assert.Contains("capped", string.Join(" ", capped.Headers.GetValues("x-tokenlay-warnings")));
    }

    [Fact]
    public async Task Item6_a_commit_counts_in_the_window_it_happens_in()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 10, 0, 35, TimeSpan.Zero));
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "minute", "if": {}, "then": { "limits": [ { "type": "tokens", "max": 1000, "window": "minute", "per": "user" } ] } }]
            """, o => o.TimeProvider = clock);
        using HttpClient http = Emu.Http(emulator);
        string id = (string)(await Json(await http.PostAsync("/v1/reservations", Emu.Json("""
            {"model": "gpt-4o-mini", "metadata": {"user": "dave"}, "estimate": {"input_tokens": 100, "output_tokens": 100}, "ttl_seconds": 600}
            """))))["id"]!;
        clock.Advance(TimeSpan.FromSeconds(40));

        HttpResponseMessage commit = await http.PostAsync($"/v1/reservations/{id}/commit", Emu.Json("""{"input_tokens": 2500, "output_tokens": 2500}"""));

        Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
        Assert.True((bool)(await Json(commit))["limit_exceeded"]!);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, (await Calls.ChatAsync(http, "hi", "dave", maxTokens: 10)).StatusCode);
        }
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await Calls.ChatAsync(http, "hi", "dave", maxTokens: 10)).StatusCode);
    }

    [Fact]
    public async Task Item7_a_silent_provider_times_out_and_its_hold_is_released()
    {
        await using FakeProvider provider = await FakeProvider.StartAsync(async (http, _) => await Task.Delay(Timeout.Infinite, http.RequestAborted));
        await using TokenlayEmulator proxy = await Emu.StartAsync("""
            [{ "id": "daily", "if": {}, "then": { "limits": [ { "type": "tokens", "max": 100000, "window": "day", "per": "user" } ] } }]
            """, o =>
            {
                o.Forward = true;
                o.UpstreamTimeout = TimeSpan.FromSeconds(1);
            });
        using HttpClient http = Emu.Http(proxy);
        var clock = Stopwatch.StartNew();

        HttpResponseMessage answer = await http.SendAsync(FakeProvider.Forwarded(provider,
            """{"model":"gpt-4o-mini","max_tokens":9000,"messages":[{"role":"user","content":"hello?"}]}""", "frank"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, answer.StatusCode);
        Assert.Equal("provider", answer.Headers.GetValues("x-tokenlay-error-source").Single());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Equal(0, await CurrentAsync(http, "daily", "frank"));
        CallLogEntry entry = Assert.Single(proxy.Store.Snapshot());
        Assert.Equal(504, entry.Status);
    }

    [Fact]
    public async Task Item8_a_forwarded_stream_whose_provider_dies_before_the_first_event_is_a_provider_502()
    {
        await using FakeProvider provider = await FakeProvider.StartAsync(async (http, _) =>
        {
            http.Response.ContentType = "text/event-stream";
            await http.Response.Body.FlushAsync();
            http.Abort();
        });
        await using TokenlayEmulator proxy = await Emu.StartAsync(configure: o => o.Forward = true);
        using HttpClient http = Emu.Http(proxy);

        HttpResponseMessage answer = await http.SendAsync(FakeProvider.Forwarded(provider,
            """{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hello?"}]}""", "gina"));

        Assert.Equal(HttpStatusCode.BadGateway, answer.StatusCode);
        Assert.Equal("provider", answer.Headers.GetValues("x-tokenlay-error-source").Single());
        string requestId = answer.Headers.GetValues("x-tokenlay-request-id").Single();
        CallLogEntry entry = Assert.Single(proxy.Store.Snapshot());
        Assert.Equal(502, entry.Status);
        Assert.Equal(requestId, entry.Id);
    }

    [Theory]
    [InlineData("""{"openai": {"gold": {"input": 7.9e28, "output": 1}}}""")]
    [InlineData("""{"openai": {"gold": {"input": 1, "output": 1000001}}}""")]
    [InlineData("""{"openai": {"gold": {"input": -1, "output": 1}}}""")]
    public async Task Item9_absurd_prices_are_refused_naming_the_field(string prices)
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage put = await http.PutAsync("/v1/pricing", Emu.Json(prices));

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Contains("openai.gold", (string?)(await Json(put))["error"]!["param"]);
    }

    [Fact]
    public async Task Item9_the_dearest_price_accepted_cannot_make_any_arithmetic_throw()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "c", "if": {}, "then": { "limits": [ { "type": "cost", "max": 1, "window": "day", "per": "user" } ] } }]
            """);
        using HttpClient http = Emu.Http(emulator);
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync("/v1/pricing", Emu.Json("""{"openai": {"gold": {"input": 1000000, "output": 1000000}}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync("/v1/pricing", Emu.Json("""{"openai": {"silver": {"input": 1000, "output": 1000}}}"""))).StatusCode);

        HttpResponseMessage record = await http.PostAsync("/v1/usage/records", Emu.Json("""
            {"model": "gold", "metadata": {"user": "h"}, "input_tokens": 1000000000000, "output_tokens": 1000000000000}
            """));
        HttpResponseMessage reserve = await http.PostAsync("/v1/reservations", Emu.Json("""
            {"model": "gold", "metadata": {"user": "i"}, "estimate": {"input_tokens": 1000000000000, "output_tokens": 1000000000000}}
            """));
        HttpResponseMessage check = await http.PostAsync("/v1/check", Emu.Json("""
            {"model": "gold", "metadata": {"user": "h"}, "estimate": {"input_tokens": 1000000000000, "output_tokens": 1000000000000}}
            """));

        Assert.Equal(HttpStatusCode.Created, record.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, reserve.StatusCode);
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/usage")).StatusCode);
    }

    [Fact]
    public async Task Item10_usage_breakdowns_stay_small_with_twenty_thousand_users()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        DateTimeOffset now = DateTimeOffset.UtcNow;
        for (int i = 0; i < 20_000; i++)
        {
            (string id, long sequence) = emulator.Store.NextId();
            emulator.Store.Add(new CallLogEntry
            {
                Id = id, Sequence = sequence, Timestamp = now, Endpoint = "chat.completions", User = "user-" + i, Feature = "f" + (i % 300),
                ModelRequested = "gpt-4o-mini", ModelUsed = "gpt-4o-mini", InputTokens = 10, OutputTokens = i % 97, CostUsd = 0.000001m * (i % 97),
                Success = true, Counted = true, Status = 200,
            });
        }
        using HttpClient http = Emu.Http(emulator);
        var clock = Stopwatch.StartNew();

        HttpResponseMessage response = await http.GetAsync("/v1/usage");

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(body.Length < 1_000_000, $"{body.Length} bytes");
        JsonNode usage = JsonNode.Parse(body)!;
        Assert.Equal(20_000, (long)usage["totals"]!["requests"]!);
        JsonArray byUser = usage["by_user"]!.AsArray();
        Assert.Equal(100, byUser.Count);
        Assert.Equal(20_000, (long)usage["by_user_count"]!);
        Assert.True((decimal)byUser[0]!["cost_usd"]! >= (decimal)byUser[99]!["cost_usd"]!);
        JsonNode one = await Calls.UsageAsync(http, "?limit=3");
        Assert.Equal(3, one["by_user"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("evil.example", HttpStatusCode.BadRequest)]
    [InlineData("tokenlay.attacker.test:8787", HttpStatusCode.BadRequest)]
    [InlineData("localhost", HttpStatusCode.OK)]
    [InlineData("127.0.0.1", HttpStatusCode.OK)]
    [InlineData("[::1]", HttpStatusCode.OK)]
    public async Task Item11_only_loopback_host_names_are_answered_on_loopback(string host, HttpStatusCode expected)
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/usage");
        request.Headers.Host = host.Contains(':') && !host.StartsWith('[') ? host : host + ":" + emulator.BaseUrl.Port;

        HttpResponseMessage response = await http.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Item11_the_host_allow_list_is_configurable()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.AllowedHosts = ["emulator.test"]);
        using HttpClient http = Emu.Http(emulator);
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/usage");
        request.Headers.Host = "emulator.test";

        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Item5_a_provider_that_counts_the_prompt_higher_still_cannot_pass_a_hard_limit()
    {
        // The provider honours the cap it is sent but counts 40 more prompt tokens than we do (its own tokenizer, hidden tokens).
        await using FakeProvider provider = await FakeProvider.StartAsync(async (http, body) =>
        {
            long cap = (long?)body["max_completion_tokens"] ?? (long?)body["max_tokens"] ?? 3000;
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(new JsonObject
            {
                ["id"] = "chatcmpl-fake", ["object"] = "chat.completion", ["created"] = 0, ["model"] = "gpt-4o-mini",
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["finish_reason"] = "length", ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "words" } }),
                ["usage"] = new JsonObject { ["prompt_tokens"] = 52, ["completion_tokens"] = cap, ["total_tokens"] = 52 + cap },
            }.ToJsonString());
        });
        await using TokenlayEmulator proxy = await Emu.StartAsync("""
            [{ "id": "daily", "if": {}, "then": { "limits": [ { "type": "tokens", "max": 5000, "window": "day", "per": "user" } ] } }]
            """, o => o.Forward = true);
        using HttpClient http = Emu.Http(proxy);

        HttpResponseMessage[] answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            http.SendAsync(FakeProvider.Forwarded(provider, """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"write a long essay"}]}""", "ivy"))));

        long metered = proxy.Store.Snapshot().Where(e => e.Counted).Sum(e => e.InputTokens + e.OutputTokens);
        Assert.InRange(metered, 1, 5000);
        Assert.Equal(metered, await CurrentAsync(http, "daily", "ivy"));
        Assert.Contains(answers.Where(a => a.StatusCode == HttpStatusCode.OK), a => string.Join(" ", a.Headers.GetValues("x-tokenlay-warnings")).Contains("metered at its hold"));
    }

    [Fact]
    public async Task A_reservation_on_a_credit_account_holds_and_burns_at_the_model_s_credit_rate()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""[{ "id": "paid", "if": {}, "then": { "credits": { "per": "user" } } }]""",
            o => o.ModelCreditRates = new Dictionary<string, Tokenlay.Emulator.Pricing.ModelPrice> { ["gpt-4o-mini"] = new(1_000_000, 1_000_000) });
        using HttpClient http = Emu.Http(emulator);
        await http.PostAsync("/v1/credits/grants", Emu.Json("""{"account": "user:rae", "amount": 1000}"""));

        JsonNode reservation = await Json(await http.PostAsync("/v1/reservations", Emu.Json(
            """{"model": "gpt-4o-mini", "metadata": {"user": "rae"}, "estimate": {"input_tokens": 100, "output_tokens": 100}}""")));
        decimal held = (decimal)(await Json(await http.GetAsync("/v1/credits/accounts/user:rae")))["held"]!;
        await http.PostAsync($"/v1/reservations/{(string)reservation["id"]!}/commit", Emu.Json("""{"input_tokens": 60, "output_tokens": 40}"""));
        await http.DeleteAsync("/v1/reservations/" + (string)reservation["id"]!);
        JsonNode account = await Json(await http.GetAsync("/v1/credits/accounts/user:rae"));

        Assert.Equal(200, held);
        Assert.Equal(900, (decimal)account["available"]!);
        Assert.Equal(0, (decimal)account["held"]!);
    }
}
