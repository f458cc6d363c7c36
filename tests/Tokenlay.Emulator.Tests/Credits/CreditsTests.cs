using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Tokenlay.Emulator.Pricing;
using Tokenlay.Emulator.Tests.Fidelity;
using Tokenlay.Emulator.Tests.Integrity;

namespace Tokenlay.Emulator.Tests.Credits;

/// <summary>Issue 21: prepaid credits on the ledger, enforced before a call runs.</summary>
public sealed class CreditsTests : IDisposable
{
    // One credit per token makes every figure readable.
    private static readonly Dictionary<string, ModelPrice> s_creditPerToken = new(StringComparer.OrdinalIgnoreCase) { ["gpt-4o-mini"] = new ModelPrice(1_000_000, 1_000_000) };

    private const string CreditRule = """[{ "id": "paid", "if": {}, "then": { "credits": { "per": "user" } } }]""";

    private readonly string _dir = Directory.CreateTempSubdirectory("tokenlay-credits-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Task<TokenlayEmulator> StartAsync(string rules = CreditRule, Action<TokenlayEmulatorOptions>? configure = null) => Emu.StartAsync(rules, o =>
    {
        o.ModelCreditRates = s_creditPerToken;
        configure?.Invoke(o);
    });

    private static async Task<JsonNode> Json(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    private static Task<HttpResponseMessage> Grant(HttpClient http, string body) => http.PostAsync("/v1/credits/grants", Emu.Json(body));

    private static async Task<JsonNode> Account(HttpClient http, string account) => await Json(await http.GetAsync("/v1/credits/accounts/" + account));

    private static async Task<JsonArray> History(HttpClient http, string account, string query = "") =>
        (await Json(await http.GetAsync($"/v1/credits/accounts/{account}/transactions?limit=1000{query}")))["data"]!.AsArray();

    [Fact]
    public async Task A_call_burns_credits_and_says_what_is_left()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        using HttpClient http = Emu.Http(emulator);
        Assert.Equal(HttpStatusCode.Created, (await Grant(http, """{"account": "user:alice", "amount": 1000, "description": "welcome"}""")).StatusCode);

        HttpResponseMessage call = await Calls.ChatAsync(http, "hello", "alice", maxTokens: 20);

        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        decimal used = decimal.Parse(call.Headers.GetValues("x-tokenlay-credits-used").Single(), System.Globalization.CultureInfo.InvariantCulture);
        decimal remaining = decimal.Parse(call.Headers.GetValues("x-tokenlay-credits-remaining").Single(), System.Globalization.CultureInfo.InvariantCulture);
        long tokens = long.Parse(call.Headers.GetValues("x-tokenlay-tokens-used").Single(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(tokens, used);
        Assert.Equal(1000 - used, remaining);
        JsonNode account = await Account(http, "user:alice");
        Assert.Equal(remaining, (decimal)account["available"]!);
        Assert.Equal(0, (decimal)account["held"]!);
        JsonArray history = await History(http, "user:alice");
        Assert.Equal("burn", (string?)history[0]!["type"]);
        Assert.Equal(-used, (decimal)history[0]!["amount"]!);
        Assert.Equal(call.Headers.GetValues("x-tokenlay-request-id").Single(), (string?)history[0]!["log_id"]);
        Assert.Equal("grant", (string?)history[^1]!["type"]);
    }

    [Fact]
    public async Task A_call_the_balance_does_not_cover_is_a_402_naming_the_account()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        using HttpClient http = Emu.Http(emulator);
        await Grant(http, """{"account": "user:bob", "amount": 5}""");

        HttpResponseMessage call = await Calls.ChatAsync(http, "hello there", "bob", maxTokens: 50);

        Assert.Equal(HttpStatusCode.PaymentRequired, call.StatusCode);
        JsonNode error = (await Json(call))["error"]!;
        Assert.Equal("insufficient_credits", (string?)error["type"]);
        Assert.Equal("insufficient_credits", (string?)error["code"]);
        Assert.Equal("user:bob", (string?)error["tokenlay"]!["credits"]!["account"]);
        Assert.Equal(5, (decimal)error["tokenlay"]!["credits"]!["available"]!);
        Assert.True((decimal)error["tokenlay"]!["credits"]!["required"]! > 50);
        Assert.Equal("false", call.Headers.GetValues("x-should-retry").Single());
        Assert.Equal(5, (decimal)(await Account(http, "user:bob"))["available"]!);
    }

    [Fact]
    public async Task A_model_with_no_price_and_no_rate_is_never_free()
    {
        await using TokenlayEmulator emulator = await StartAsync(configure: o => o.ExtraModels = ["local-llama"]);
        using HttpClient http = Emu.Http(emulator);
        await Grant(http, """{"account": "user:carl", "amount": 100000}""");

        HttpResponseMessage call = await Calls.ChatAsync(http, "hello", "carl", model: "local-llama", maxTokens: 10);

        Assert.Equal(HttpStatusCode.PaymentRequired, call.StatusCode);
        Assert.Equal("credits_unpriced_model", await Calls.ErrorCodeAsync(call));
    }

    [Fact]
    public async Task Fifty_concurrent_callers_never_take_an_account_below_zero()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        using HttpClient http = Emu.Http(emulator);
        await Grant(http, """{"account": "user:dora", "amount": 400}""");

        HttpResponseMessage[] calls = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            i % 2 == 0 ? Calls.ChatAsync(http, "hello " + i, "dora", maxTokens: 30) : Calls.ChatAsync(http, "no cap " + i, "dora")));

        JsonNode account = await Account(http, "user:dora");
        Assert.True((decimal)account["available"]! >= 0, account.ToJsonString());
        Assert.Equal(0, (decimal)account["held"]!);
        Assert.Contains(calls, c => c.StatusCode == HttpStatusCode.OK);
        Assert.Contains(calls, c => c.StatusCode == HttpStatusCode.PaymentRequired);
        JsonArray history = await History(http, "user:dora");
        Assert.Equal((decimal)account["settled"]!, history.Sum(t => (decimal)t!["amount"]!));
        decimal burned = -history.Where(t => (string?)t!["type"] == "burn").Sum(t => (decimal)t!["amount"]!);
        Assert.Equal(emulator.Store.Snapshot().Where(e => e.Counted).Sum(e => e.InputTokens + e.OutputTokens), burned);
    }

    [Fact]
    public async Task Overage_allowed_lets_the_balance_go_negative()
    {
        await using TokenlayEmulator emulator = await StartAsync("""[{ "id": "postpaid", "if": {}, "then": { "credits": { "per": "org", "overage": "allow" } } }]""");
        using HttpClient http = Emu.Http(emulator);
        await Grant(http, """{"account": "org:acme", "amount": 10}""");

        HttpResponseMessage call = await Calls.ChatAsync(http, "hello", headers: new Dictionary<string, string> { ["x-tokenlay-org"] = "acme" }, maxTokens: 40);

        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.True((decimal)(await Account(http, "org:acme"))["settled"]! < 0);
    }

    [Fact]
    public async Task Grants_burn_by_priority_then_earliest_expiry()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using TokenlayEmulator emulator = await StartAsync(configure: o => o.TimeProvider = clock);
        using HttpClient http = Emu.Http(emulator);
        string late = (string)(await Json(await Grant(http, """{"account": "user:eve", "amount": 1000, "priority": 10, "expires_at": "2027-06-01T00:00:00Z"}""")))["id"]!;
        string soon = (string)(await Json(await Grant(http, """{"account": "user:eve", "amount": 1000, "priority": 10, "expires_at": "2026-12-31T00:00:00Z"}""")))["id"]!;
        string first = (string)(await Json(await Grant(http, """{"account": "user:eve", "amount": 20, "priority": 1, "category": "promotional"}""")))["id"]!;

        await Calls.ChatAsync(http, "hello", "eve", maxTokens: 30);

        JsonArray grants = (await Account(http, "user:eve"))["grants"]!.AsArray();
        decimal Remaining(string id) => (decimal)grants.Single(g => (string?)g!["id"] == id)!["remaining"]!;
        Assert.Equal(0, Remaining(first));
        Assert.True(Remaining(soon) < 1000);
        Assert.Equal(1000, Remaining(late));
    }

    [Fact]
    public async Task An_expired_grant_stops_counting_and_the_loss_is_recorded()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using TokenlayEmulator emulator = await StartAsync(configure: o => o.TimeProvider = clock);
        using HttpClient http = Emu.Http(emulator);
        await Grant(http, """{"account": "user:finn", "amount": 300, "expires_at": "2026-12-05T00:00:00Z"}""");
        await Grant(http, """{"account": "user:finn", "amount": 50}""");

        clock.Advance(TimeSpan.FromDays(1));

        JsonNode account = await Account(http, "user:finn");
        Assert.Equal(50, (decimal)account["available"]!);
        JsonArray history = await History(http, "user:finn");
        Assert.Equal("expiry", (string?)history[0]!["type"]);
        Assert.Equal(-300, (decimal)history[0]!["amount"]!);
        Assert.Equal(50, history.Sum(t => (decimal)t!["amount"]!));
    }

    [Fact]
    public async Task A_tier_refills_each_period_and_carries_at_most_its_rollover()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using TokenlayEmulator emulator = await StartAsync(configure: o => o.TimeProvider = clock);
        using HttpClient http = Emu.Http(emulator);
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync("/v1/credits/tiers/pro", Emu.Json("""{"allocation": 1000, "period": "day", "rollover": {"max": 200}}"""))).StatusCode);
        JsonNode assigned = await Json(await http.PutAsync("/v1/credits/accounts/user:gail/tier", Emu.Json("""{"tier": "pro", "reset_balance": true}""")));
        Assert.Equal(1000, (decimal)assigned["available"]!);
        Assert.Equal("2026-12-05T12:00:00Z", (string?)assigned["next_refill_at"]);
        await Calls.ChatAsync(http, "hello", "gail", maxTokens: 30);
        decimal afterCall = (decimal)(await Account(http, "user:gail"))["available"]!;

        clock.Advance(TimeSpan.FromDays(1));

        JsonNode account = await Account(http, "user:gail");
        Assert.Equal(1200, (decimal)account["available"]!); // 1000 new + at most 200 of the ~960 unused
        JsonArray history = await History(http, "user:gail");
        Assert.Equal(["refill", "rollover", "expiry"], history.Take(3).Select(t => (string)t!["type"]!).ToArray());
        Assert.Equal(-afterCall, (decimal)history[2]!["amount"]!);
        Assert.Equal((decimal)account["settled"]!, history.Sum(t => (decimal)t!["amount"]!));
        Assert.Equal("refill", (string?)history[^1]!["type"]);
    }

    [Fact]
    public async Task A_retried_grant_is_granted_once_and_another_body_under_its_key_is_a_conflict()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        using HttpClient http = Emu.Http(emulator);
        const string Body = """{"account": "user:hana", "amount": 250, "idempotency_key": "grant-1"}""";

        HttpResponseMessage first = await Grant(http, Body);
        HttpResponseMessage again = await Grant(http, Body);
        HttpResponseMessage other = await Grant(http, """{"account": "user:hana", "amount": 9999, "idempotency_key": "grant-1"}""");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal((string?)(await Json(first))["id"], (string?)(await Json(again))["id"]);
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal(250, (decimal)(await Account(http, "user:hana"))["available"]!);
    }

    [Theory]
    [InlineData("""{"account": "alice", "amount": 10}""", "account")]
    [InlineData("""{"account": "user:alice", "amount": -10}""", "amount")]
    [InlineData("""{"account": "user:alice", "amount": 0}""", "amount")]
    [InlineData("""{"account": "user:alice", "amount": 1e13}""", "amount")]
    [InlineData("""{"account": "user:alice", "amount": "10"}""", "amount")]
    [InlineData("""{"account": "user:alice", "amount": 10, "category": "free"}""", "category")]
    [InlineData("""{"account": "user:alice", "amount": 10, "expires_at": "soon"}""", "expires_at")]
    [InlineData("""{"account": "user:alice", "amount": 10, "priority": 1.5}""", "priority")]
    public async Task A_bad_grant_is_a_400_naming_the_field_and_grants_nothing(string body, string param)
    {
        await using TokenlayEmulator emulator = await StartAsync();
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage response = await Grant(http, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, (string?)(await Json(response))["error"]!["param"]);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/credits/accounts/user:alice")).StatusCode);
    }

    [Fact]
    public async Task An_adjustment_is_a_signed_line_with_a_reason()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        using HttpClient http = Emu.Http(emulator);
        await Grant(http, """{"account": "user:ivan", "amount": 100}""");

        HttpResponseMessage minus = await http.PostAsync("/v1/credits/accounts/user:ivan/adjustments", Emu.Json("""{"amount": -30, "reason": "refund of a duplicate grant"}"""));
        HttpResponseMessage noReason = await http.PostAsync("/v1/credits/accounts/user:ivan/adjustments", Emu.Json("""{"amount": 5}"""));

        Assert.Equal(HttpStatusCode.Created, minus.StatusCode);
        Assert.Equal("adjustment", (string?)(await Json(minus))["type"]);
        Assert.Equal(70, (decimal)(await Json(minus))["balance_after"]!);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal(70, (decimal)(await Account(http, "user:ivan"))["available"]!);
    }

    [Fact]
    public async Task Alerts_fire_once_per_crossing_and_exhaustion_once()
    {
        var received = new List<string>();
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync(received);
        await using TokenlayEmulator emulator = await StartAsync($$"""
            [{ "id": "paid", "if": {}, "then": { "credits": { "per": "user" },
               "on_limit_exceeded": { "notify": [ { "type": "webhook", "url": "{{receiver.Url}}" } ] } } }]
            """);
        using HttpClient http = Emu.Http(emulator);
        await http.PutAsync("/v1/credits/tiers/small", Emu.Json("""{"allocation": 200, "period": "month", "alerts": [{"below_percent": 50}]}"""));
        await http.PutAsync("/v1/credits/accounts/user:jo/tier", Emu.Json("""{"tier": "small"}"""));

        for (int i = 0; i < 12; i++)
        {
            await Calls.ChatAsync(http, "hello", "jo", maxTokens: 30);
        }
        await http.PostAsync("/v1/credits/accounts/user:jo/adjustments", Emu.Json("""{"amount": -1000, "reason": "drain"}"""));
        await Task.Delay(500);

        string[] types;
        lock (received)
        {
            types = received.Select(r => (string)JsonNode.Parse(r)!["type"]!).ToArray();
        }
        Assert.Equal(1, types.Count(t => t == "credits.low_balance"));
        Assert.Equal(1, types.Count(t => t == "credits.exhausted"));
    }

    [Fact]
    public async Task A_reservation_holds_credits_and_a_release_gives_them_back()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        using HttpClient http = Emu.Http(emulator);
        await Grant(http, """{"account": "user:kim", "amount": 100}""");

        HttpResponseMessage reserved = await http.PostAsync("/v1/reservations", Emu.Json("""{"model": "gpt-4o-mini", "metadata": {"user": "kim"}, "estimate": {"cost_usd": 0.6}}"""));
        HttpResponseMessage tooMuch = await http.PostAsync("/v1/reservations", Emu.Json("""{"model": "gpt-4o-mini", "metadata": {"user": "kim"}, "estimate": {"cost_usd": 0.6}}"""));

        Assert.Equal(HttpStatusCode.Created, reserved.StatusCode);
        Assert.Equal(HttpStatusCode.PaymentRequired, tooMuch.StatusCode);
        Assert.Equal(60, (decimal)(await Account(http, "user:kim"))["held"]!);
        await http.DeleteAsync("/v1/reservations/" + (string)(await Json(reserved))["id"]!);
        JsonNode account = await Account(http, "user:kim");
        Assert.Equal(0, (decimal)account["held"]!);
        Assert.Equal(100, (decimal)account["available"]!);
    }

    [Fact]
    public async Task Balances_tiers_and_history_are_exact_across_a_restart()
    {
        string data = Path.Combine(_dir, "credits.db");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        JsonNode before;
        JsonArray historyBefore;
        await using (TokenlayEmulator first = await StartAsync(configure: o => { o.DataPath = data; o.TimeProvider = clock; }))
        {
            using HttpClient http = Emu.Http(first);
            await http.PutAsync("/v1/credits/tiers/pro", Emu.Json("""{"allocation": 500, "period": "day"}"""));
            await http.PutAsync("/v1/credits/accounts/user:lea/tier", Emu.Json("""{"tier": "pro"}"""));
            await Grant(http, """{"account": "user:lea", "amount": 42.123456, "idempotency_key": "g"}""");
            await Calls.ChatAsync(http, "hello", "lea", maxTokens: 30);
            before = await Account(http, "user:lea");
            historyBefore = await History(http, "user:lea");
        }

        await using TokenlayEmulator second = await StartAsync(configure: o => { o.DataPath = data; o.TimeProvider = clock; });
        using HttpClient again = Emu.Http(second);
        Assert.Equal(before.ToJsonString(), (await Account(again, "user:lea")).ToJsonString());
        Assert.Equal(historyBefore.ToJsonString(), (await History(again, "user:lea")).ToJsonString());
        Assert.Equal(HttpStatusCode.OK, (await Grant(again, """{"account": "user:lea", "amount": 42.123456, "idempotency_key": "g"}""")).StatusCode);
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(500, (decimal)(await Account(again, "user:lea"))["available"]! - 42.123456m);
    }

    [Fact]
    public async Task A_check_agrees_with_the_call_about_credits()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        using HttpClient http = Emu.Http(emulator);
        await Grant(http, """{"account": "user:max", "amount": 100}""");

        JsonNode fits = await Json(await http.PostAsync("/v1/check", Emu.Json("""{"model": "gpt-4o-mini", "metadata": {"user": "max"}, "estimate": {"input_tokens": 20, "output_tokens": 30}}""")));
        JsonNode tooMuch = await Json(await http.PostAsync("/v1/check", Emu.Json("""{"model": "gpt-4o-mini", "metadata": {"user": "max"}, "estimate": {"input_tokens": 20, "output_tokens": 300}}""")));

        Assert.True((bool)fits["allowed"]!);
        Assert.False((bool)tooMuch["allowed"]!);
        Assert.Equal("insufficient_credits", (string?)tooMuch["credits"]!["code"]);
        Assert.Equal(320, (decimal)tooMuch["credits"]!["required"]!);
        Assert.Equal(HttpStatusCode.PaymentRequired, (await Calls.ChatAsync(http, "hello", "max", maxTokens: 300)).StatusCode);
    }
}
