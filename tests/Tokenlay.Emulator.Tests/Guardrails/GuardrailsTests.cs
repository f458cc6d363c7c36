using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Tests.Fidelity;
using Tokenlay.Emulator.Tests.Integrity;

namespace Tokenlay.Emulator.Tests.Guardrails;

/// <summary>Issue 23: a blocklist with expiry, rolling windows, threshold alerts and exports.</summary>
public sealed class GuardrailsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tokenlay-guardrails-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<JsonNode> Json(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    [Fact]
    public async Task A_blocked_subject_is_refused_on_every_route_until_removed()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""[{ "id": "r", "if": {}, "then": { "limits": [ { "type": "requests", "max": 100, "window": "day", "per": "user" } ] } }]""");
        using HttpClient http = Emu.Http(emulator);
        HttpResponseMessage added = await http.PostAsync("/v1/blocklist", Emu.Json("""{"subject": "user:mallory", "reason": "card fraud"}"""));
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);

        HttpResponseMessage call = await Calls.ChatAsync(http, "hi", "mallory");
        HttpResponseMessage record = await http.PostAsync("/v1/usage/records", Emu.Json("""{"model": "gpt-4o-mini", "metadata": {"user": "mallory"}, "input_tokens": 5}"""));
        HttpResponseMessage reserve = await http.PostAsync("/v1/reservations", Emu.Json("""{"model": "gpt-4o-mini", "metadata": {"user": "mallory"}, "estimate": {"input_tokens": 5, "output_tokens": 5}}"""));
        HttpResponseMessage check = await http.PostAsync("/v1/check", Emu.Json("""{"model": "gpt-4o-mini", "metadata": {"user": "mallory"}}"""));
        HttpResponseMessage other = await Calls.ChatAsync(http, "hi", "trent");

        foreach (HttpResponseMessage refused in new[] { call, record, reserve })
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            JsonNode error = (await Json(refused))["error"]!;
            Assert.Equal("blocked", (string?)error["type"]);
            Assert.Equal("subject_blocked", (string?)error["code"]);
            Assert.Equal("user:mallory", (string?)error["tokenlay"]!["block"]!["subject"]);
            Assert.Equal("card fraud", (string?)error["tokenlay"]!["block"]!["reason"]);
            Assert.Equal("false", refused.Headers.GetValues("x-should-retry").Single());
        }
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        JsonNode checked_ = await Json(check);
        Assert.False((bool)checked_["allowed"]!);
        Assert.Equal("user:mallory", (string?)checked_["block"]!["subject"]);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.DoesNotContain(emulator.Store.Snapshot(), e => e.User == "mallory" && e.Counted);

        Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync("/v1/blocklist/user:mallory")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Calls.ChatAsync(http, "hi", "mallory")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync("/v1/blocklist/user:mallory")).StatusCode);
    }

    [Fact]
    public async Task A_block_ends_at_its_until_and_says_when_in_Retry_After()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.TimeProvider = clock);
        using HttpClient http = Emu.Http(emulator);
        await http.PostAsync("/v1/blocklist", Emu.Json("""{"subject": "org:acme", "until": "2026-12-04T13:00:00Z"}"""));

        HttpResponseMessage blocked = await Calls.ChatAsync(http, "hi", headers: new Dictionary<string, string> { ["x-tokenlay-org"] = "acme" });
        Assert.Equal(HttpStatusCode.Forbidden, blocked.StatusCode);
        Assert.Equal(TimeSpan.FromHours(1), blocked.Headers.RetryAfter!.Delta);
        Assert.Equal("2026-12-04T13:00:00Z", (string?)(await Json(blocked))["error"]!["tokenlay"]!["block"]!["until"]);

        clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(HttpStatusCode.OK, (await Calls.ChatAsync(http, "hi", headers: new Dictionary<string, string> { ["x-tokenlay-org"] = "acme" })).StatusCode);
        Assert.Empty((await Json(await http.GetAsync("/v1/blocklist")))["data"]!.AsArray());
    }

    [Theory]
    [InlineData("""{"subject": "alice"}""", "subject")]
    [InlineData("""{"reason": "x"}""", "subject")]
    [InlineData("""{"subject": "user:alice", "until": "yesterday"}""", "until")]
    [InlineData("""{"subject": "user:alice", "until": "2001-01-01T00:00:00Z"}""", "until")]
    public async Task A_bad_block_is_a_400_naming_the_field(string body, string param)
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage response = await http.PostAsync("/v1/blocklist", Emu.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, (string?)(await Json(response))["error"]!["param"]);
    }

    [Fact]
    public async Task The_blocklist_pages_by_subject_and_survives_a_restart()
    {
        string data = Path.Combine(_dir, "blocks.db");
        await using (TokenlayEmulator first = await Emu.StartAsync(configure: o => o.DataPath = data))
        {
            using HttpClient http = Emu.Http(first);
            for (int i = 0; i < 5; i++)
            {
                await http.PostAsync("/v1/blocklist", Emu.Json($$"""{"subject": "user:u{{i}}"}"""));
            }
        }
        await using TokenlayEmulator second = await Emu.StartAsync(configure: o => o.DataPath = data);
        using HttpClient again = Emu.Http(second);

        JsonNode page = await Json(await again.GetAsync("/v1/blocklist?limit=3"));
        JsonNode rest = await Json(await again.GetAsync("/v1/blocklist?limit=3&cursor=" + (string)page["next_cursor"]!));

        Assert.Equal(["user:u0", "user:u1", "user:u2"], page["data"]!.AsArray().Select(e => (string)e!["subject"]!).ToArray());
        Assert.Equal(["user:u3", "user:u4"], rest["data"]!.AsArray().Select(e => (string)e!["subject"]!).ToArray());
        Assert.Null((string?)rest["next_cursor"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await Calls.ChatAsync(again, "hi", "u3")).StatusCode);
    }

    [Fact]
    public async Task A_rule_with_block_for_blocks_the_subject_when_its_limit_is_hit()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "abuse", "if": {}, "then": { "limits": [ { "type": "requests", "max": 2, "window": "minute", "per": "user" } ],
               "on_limit_exceeded": { "action": "block", "block_for": "24h" } } }]
            """, o => o.TimeProvider = clock);
        using HttpClient http = Emu.Http(emulator);
        await Calls.ChatAsync(http, "1", "spammer");
        await Calls.ChatAsync(http, "2", "spammer");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Calls.ChatAsync(http, "3", "spammer")).StatusCode);

        clock.Advance(TimeSpan.FromMinutes(5)); // the minute is long gone: only the blocklist refuses now
        HttpResponseMessage later = await Calls.ChatAsync(http, "4", "spammer");

        Assert.Equal(HttpStatusCode.Forbidden, later.StatusCode);
        JsonNode block = (await Json(later))["error"]!["tokenlay"]!["block"]!;
        Assert.Equal("user:spammer", (string?)block["subject"]);
        Assert.Equal("abuse", (string?)block["rule_id"]);
        clock.Advance(TimeSpan.FromHours(24));
        Assert.Equal(HttpStatusCode.OK, (await Calls.ChatAsync(http, "5", "spammer")).StatusCode);
    }

    [Fact]
    public async Task A_rolling_day_counts_spending_at_2359_until_2359_the_next_day()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 23, 59, 0, TimeSpan.Zero));
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "rolling", "if": {}, "then": { "limits": [ { "type": "requests", "max": 3, "window": "day", "per": "user", "rolling": true } ] } }]
            """, o => o.TimeProvider = clock);
        using HttpClient http = Emu.Http(emulator);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Calls.ChatAsync(http, "late " + i, "owl")).StatusCode);
        }

        clock.Advance(TimeSpan.FromMinutes(2)); // 00:01 the next day: a calendar day would have reset
        HttpResponseMessage early = await Calls.ChatAsync(http, "early", "owl");

        Assert.Equal(HttpStatusCode.TooManyRequests, early.StatusCode);
        Assert.Equal("2026-12-05T23:59:00Z", (string?)(await Json(early))["error"]!["tokenlay"]!["limit"]!["resets_at"]);
        Assert.InRange(early.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24));
        clock.Advance(new DateTimeOffset(2026, 12, 5, 23, 58, 59, TimeSpan.Zero) - clock.GetUtcNow());
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Calls.ChatAsync(http, "not yet", "owl")).StatusCode);
        clock.Advance(TimeSpan.FromSeconds(1)); // 23:59 the next day
        Assert.Equal(HttpStatusCode.OK, (await Calls.ChatAsync(http, "again", "owl")).StatusCode);
    }

    [Fact]
    public async Task A_rolling_token_limit_holds_under_concurrency_and_a_reservation_holds_on_it()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "rolling", "if": {}, "then": { "limits": [ { "type": "tokens", "max": 2000, "window": "hour", "per": "user", "rolling": true } ] } }]
            """, o => o.TimeProvider = clock);
        using HttpClient http = Emu.Http(emulator);
        HttpResponseMessage reserved = await http.PostAsync("/v1/reservations", Emu.Json("""{"model": "gpt-4o-mini", "metadata": {"user": "ray"}, "estimate": {"input_tokens": 500, "output_tokens": 500}}"""));
        Assert.Equal(HttpStatusCode.Created, reserved.StatusCode);

        await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Calls.ChatAsync(http, "hello " + i, "ray", maxTokens: 100)));

        long metered = emulator.Store.Snapshot().Where(e => e.Counted).Sum(e => e.InputTokens + e.OutputTokens);
        Assert.InRange(metered, 1, 1000);
        JsonNode check = await Json(await http.PostAsync("/v1/check", Emu.Json("""{"model": "gpt-4o-mini", "metadata": {"user": "ray"}, "estimate": {"input_tokens": 0, "output_tokens": 0}}""")));
        Assert.Equal(metered + 1000, (decimal)check["limits"]![0]!["current"]!);
        clock.Advance(TimeSpan.FromHours(1));
        JsonNode later = await Json(await http.PostAsync("/v1/check", Emu.Json("""{"model": "gpt-4o-mini", "metadata": {"user": "ray"}, "estimate": {"input_tokens": 0, "output_tokens": 0}}""")));
        Assert.Equal(0, (decimal)later["limits"]![0]!["current"]!); // the calls left the window; the reservation expired
    }

    [Fact]
    public async Task Fifty_concurrent_calls_crossing_a_threshold_send_one_alert_and_the_next_window_another()
    {
        var received = new List<string>();
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync(received);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        await using TokenlayEmulator emulator = await Emu.StartAsync($$"""
            [{ "id": "watched", "if": {}, "then": {
                "limits": [ { "type": "requests", "max": 100, "window": "day", "per": "user", "alerts": [ { "at_percent": 50 }, { "at": 45 }, { "at_percent": 90 } ] } ],
                "on_limit_exceeded": { "notify": [ { "type": "webhook", "url": "{{receiver.Url}}" } ] } } }]
            """, o => o.TimeProvider = clock);
        using HttpClient http = Emu.Http(emulator);

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Calls.ChatAsync(http, "hello " + i, "watched-user")));
        JsonNode[] first = await EventsAsync(received, expected: 2);
        clock.Advance(TimeSpan.FromDays(1));
        await Task.WhenAll(Enumerable.Range(0, 46).Select(i => Calls.ChatAsync(http, "again " + i, "watched-user")));
        JsonNode[] all = await EventsAsync(received, expected: 3);

        Assert.Equal([45m, 50m], first.Select(e => (decimal)e["data"]!["threshold"]!).Order().ToArray());
        Assert.All(all, e => Assert.Equal("limit.threshold", (string?)e["type"]));
        JsonNode fifty = first.Single(e => (decimal)e["data"]!["threshold"]! == 50);
        Assert.Equal("user:watched-user", (string?)fifty["data"]!["subject"]);
        Assert.Equal("watched", (string?)fifty["data"]!["rule_id"]);
        Assert.Equal(100, (decimal)fifty["data"]!["max"]!);
        Assert.Equal("2026-12-05T00:00:00Z", (string?)fifty["data"]!["window_resets_at"]);
        string[] seen = first.Select(e => (string)e["id"]!).ToArray();
        Assert.Equal(45m, (decimal)all.Single(e => !seen.Contains((string)e["id"]!))["data"]!["threshold"]!); // the next window: 46 calls cross 45 only
    }

    private static async Task<JsonNode[]> EventsAsync(List<string> received, int expected)
    {
        for (int i = 0; i < 100; i++)
        {
            lock (received)
            {
                if (received.Count >= expected)
                {
                    break;
                }
            }
            await Task.Delay(50);
        }
        await Task.Delay(300); // and nothing more arrives
        lock (received)
        {
            return received.Select(r => JsonNode.Parse(r)!).ToArray();
        }
    }

    [Fact]
    public async Task The_log_export_streams_every_entry_of_the_store_in_fixed_columns()
    {
        string data = Path.Combine(_dir, "export.db");
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o =>
        {
            o.DataPath = data;
            o.MaxLogEntries = 1000; // the export reads the store, not the in-memory log
        });
        DateTimeOffset at = DateTimeOffset.UtcNow;
        const int Count = 200_000;
        for (int i = 0; i < Count; i++)
        {
            (string id, long sequence) = emulator.Store.NextId();
            emulator.Store.Add(new CallLogEntry
            {
                Id = id, Sequence = sequence, Timestamp = at, Endpoint = "chat.completions", User = "u" + (i % 7), Feature = "f",
                ModelRequested = "gpt-4o-mini", ModelUsed = "gpt-4o-mini", InputTokens = 10, OutputTokens = 5, CostUsd = 0.0001m, Success = true, Counted = true, Status = 200,
            });
        }
        using HttpClient http = Emu.Http(emulator);
        http.Timeout = TimeSpan.FromMinutes(5);

        using HttpResponseMessage export = await http.GetAsync("/v1/logs/export?format=csv", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Null(export.Content.Headers.ContentLength); // streamed, not buffered
        using var reader = new StreamReader(await export.Content.ReadAsStreamAsync());
        Assert.Equal("timestamp,request_id,user,org,plan,project,feature,model,model_used,input_tokens,output_tokens,cost_usd,status,rule_id,action,source", await reader.ReadLineAsync());
        int rows = 0, u3 = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            rows++;
            u3 += line.Contains(",u3,", StringComparison.Ordinal) ? 1 : 0;
        }
        Assert.Equal(Count, rows);
        Assert.Equal(Count / 7, u3);
    }

    [Fact]
    public async Task Exported_cells_that_look_like_formulas_are_inert_and_quoted()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);
        await Calls.ChatAsync(http, "hi", "=HYPERLINK(\"http://evil.example\",\"click\")");
        await Calls.ChatAsync(http, "hi", "plain, with a comma");

        string csv = await http.GetStringAsync("/v1/logs/export?format=csv");
        string jsonl = await http.GetStringAsync("/v1/logs/export?format=jsonl&user=plain,%20with%20a%20comma");

        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\"", csv);
        Assert.DoesNotContain(",=HYPERLINK", csv);
        Assert.Contains("\"plain, with a comma\"", csv);
        Assert.EndsWith("\r\n", csv);
        JsonNode line = JsonNode.Parse(Assert.Single(jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries)))!;
        Assert.Equal("plain, with a comma", (string?)line["user"]);
        Assert.Equal("proxy", (string?)line["source"]);
    }

    [Fact]
    public async Task The_usage_export_groups_totals_by_day_and_user()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);
        await Calls.ChatAsync(http, "hi", "a");
        await Calls.ChatAsync(http, "hi", "a");
        await Calls.ChatAsync(http, "hi", "b");

        string csv = await http.GetStringAsync("/v1/usage/export?format=csv&group_by=day,user");
        HttpResponseMessage bad = await http.GetAsync("/v1/usage/export?group_by=planet");

        string[] lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("day,user,requests,input_tokens,output_tokens,cost_usd", lines[0]);
        string today = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.StartsWith($"{today},a,2,", lines[1]);
        Assert.StartsWith($"{today},b,1,", lines[2]);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
