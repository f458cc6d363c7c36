using System.Net;
using System.Text.Json.Nodes;
using Tokenlay.Companion;

namespace Tokenlay.Emulator.Tests.Budgets;

/// <summary>The budget REST endpoints' shapes and errors, and the SDK's behaviour around them.</summary>
public class BudgetApiTests
{
    [Fact]
    public async Task A_commit_meters_against_the_hold_and_disposing_releases_the_rest()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "t", "if": {}, "then": { "limits": [ { "type": "tokens", "max": 10000, "window": "day", "per": "user" } ] } }]
            """);
        var tokenlay = new TokenlayClient(emulator.CreateClientOptions());
        var check = new TokenlayCheckRequest("gpt-4o-mini") { User = "job", EstimatedOutputTokens = 0 };

        TokenlayReservation job = await tokenlay.Limits.ReserveAsync(new TokenlayReservationRequest("gpt-4o-mini") { User = "job", EstimatedInputTokens = 3000, EstimatedOutputTokens = 1000 });
        Assert.Equal(4000, job.Held.Tokens);
        TokenlayRecordResult commit = await job.CommitAsync(1000, 500);
        Assert.Equal(2500, job.Held.Tokens);
        Assert.Equal(1500, job.Used.Tokens);
        Assert.Equal("reservation", commit.Entry.Source);
        Assert.Equal(4000, (await tokenlay.Limits.CheckAsync(check)).Value.Limits[0].Current); // 1500 used + 2500 held

        await job.DisposeAsync();

        Assert.Equal("released", job.Status);
        Assert.Equal(1500, (await tokenlay.Limits.CheckAsync(check)).Value.Limits[0].Current);
        await job.DisposeAsync(); // harmless twice
    }

    [Fact]
    public async Task Bad_budget_requests_get_a_400_naming_the_field()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);
        (string Path, string Body, string Param)[] cases =
        [
            ("/v1/check", """{"metadata":{"user":"a"}}""", "model"),
            ("/v1/check", """{"model":"gpt-4o","metadata":"alice"}""", "metadata"),
            ("/v1/check", """{"model":"gpt-4o","metadata":{"user":{"id":1}}}""", "metadata.user"),
            ("/v1/check", """{"model":"gpt-4o","estimate":{"input_tokens":-1}}""", "estimate.input_tokens"),
            ("/v1/usage/records", """{"model":"gpt-4o","input_tokens":1.5,"output_tokens":1}""", "input_tokens"),
            ("/v1/usage/records", """{"model":"gpt-4o","input_tokens":1,"output_tokens":1,"cost_usd":-2}""", "cost_usd"),
            ("/v1/usage/records", """{"model":"gpt-4o","input_tokens":1,"output_tokens":1,"occurred_at":"yesterday"}""", "occurred_at"),
            ("/v1/reservations", """{"model":"gpt-4o"}""", "estimate"),
            ("/v1/reservations", """{"model":"gpt-4o","estimate":{"cost_usd":1},"ttl_seconds":0}""", "ttl_seconds"),
            ("/v1/reservations", """{"model":"gpt-4o","estimate":{}}""", "estimate"),
        ];
        foreach ((string path, string body, string param) in cases)
        {
            HttpResponseMessage response = await http.PostAsync(path, Emu.Json(body));
            JsonNode error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path} {body}: {response.StatusCode}");
            Assert.Equal(param, (string?)error["param"]);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync("/v1/reservations/rsv_nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/v1/reservations/rsv_nope/commit", Emu.Json("{}"))).StatusCode);
    }

    [Fact]
    public async Task A_refused_reservation_is_a_limit_exception_with_the_limit()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "c", "if": {}, "then": { "limits": [ { "type": "cost", "max": 1, "window": "month", "per": "user" } ] } }]
            """);
        var tokenlay = new TokenlayClient(emulator.CreateClientOptions());

        var error = await Assert.ThrowsAsync<TokenlayLimitExceededException>(() =>
            tokenlay.Limits.ReserveAsync(new TokenlayReservationRequest("gpt-4o") { User = "big", EstimatedCostUsd = 5m }));

        Assert.Equal("c", error.RuleId);
        Assert.Equal("cost", error.Limit!.Type);
        Assert.Equal(429, error.Status);
    }

    [Fact]
    public async Task A_check_reports_remaining_budget_and_reset_time_without_metering()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "daily", "if": { "plan": "free" }, "then": { "limits": [ { "type": "requests", "max": 50, "window": "day", "per": "user" } ] } }]
            """);
        var tokenlay = new TokenlayClient(emulator.CreateClientOptions());
        for (int i = 0; i < 38; i++)
        {
            using (TokenlayScope.Begin(new TokenlayRequestContext { User = "ui", Plan = "free" }))
            {
                await Emu.Chat(emulator).CompleteChatAsync("hi");
            }
        }

        TokenlayCheckResult check = await tokenlay.Limits.CheckAsync(new TokenlayCheckRequest("gpt-4o-mini") { User = "ui", Plan = "free" });
        TokenlayCheckResult again = await tokenlay.Limits.CheckAsync(new TokenlayCheckRequest("gpt-4o-mini") { User = "ui", Plan = "free" });

        Assert.True(check.Allowed);
        Assert.Equal("daily", check.RuleId);
        Assert.Equal(12, check.Remaining("requests"));
        Assert.Equal(12, again.Remaining("requests"));
        TokenlayLimitStatus limit = Assert.Single(check.Limits);
        Assert.Equal("ui", limit.Key);
        Assert.True(limit.ResetsAt > DateTimeOffset.UtcNow);
        Assert.Null(check.ResetsAt);
    }

    [Fact]
    public async Task The_model_factory_reservation_is_an_in_memory_fake()
    {
        TokenlayReservation fake = TokenlayModelFactory.Reservation(heldTokens: 1000);

        await fake.CommitAsync(300, 100);
        await fake.DisposeAsync();

        Assert.Equal(400, fake.Used.Tokens);
        Assert.Equal(0, fake.Held.Tokens); // released: nothing is held any more
        Assert.Equal("released", fake.Status);
    }

    [Fact]
    public async Task Reservation_requests_are_checked_before_they_are_sent()
    {
        var tokenlay = new TokenlayClient(new TokenlayOptions { TokenlayKey = "tl_x", TokenlayBaseUrl = new Uri("http://127.0.0.1:9") , AllowInsecureHttp = true });

        Assert.Throws<ArgumentException>(() => new TokenlayCheckRequest(" "));
        await Assert.ThrowsAsync<ArgumentException>(() => tokenlay.Limits.ReserveAsync(new TokenlayReservationRequest("gpt-4o")));
        await Assert.ThrowsAsync<ArgumentException>(() => tokenlay.Limits.ReserveAsync(new TokenlayReservationRequest("gpt-4o") { EstimatedCostUsd = 1, TimeToLive = TimeSpan.FromDays(2) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenlayUsageRecord("m", -1, 0));
    }
}
