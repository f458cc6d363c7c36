using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace Tokenlay.Emulator.Tests.Integrity;

/// <summary>Issue 10, item 1: an idempotency key is bound to its request, as Stripe binds it.</summary>
public class IdempotencyTests
{
    private const string DailyTen = """
        [{ "id": "ten", "if": {}, "then": { "limits": [ { "type": "requests", "max": 10, "window": "day", "per": "user" } ] } }]
        """;

    [Fact]
    public async Task A_reused_key_with_another_prompt_or_user_is_refused_and_never_served_fresh()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(DailyTen);
        using HttpClient http = Emu.Http(emulator);
        Assert.Equal(HttpStatusCode.OK, (await Calls.ChatAsync(http, "first", "alice", key: "K")).StatusCode);

        for (int i = 0; i < 30; i++)
        {
            HttpResponseMessage other = await Calls.ChatAsync(http, "prompt " + i, "alice", key: "K");
            Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
            Assert.Equal("idempotency_key_reused", await Calls.ErrorCodeAsync(other));
        }
        for (int i = 0; i < 5; i++)
        {
            HttpResponseMessage stranger = await Calls.ChatAsync(http, "first", "bob", key: "K");
            Assert.Equal(HttpStatusCode.Conflict, stranger.StatusCode);
        }

        Assert.Equal(1, (long)(await Calls.UsageAsync(http))["totals"]!["requests"]!);
        // alice's limit took one call, not 31: nine more are allowed.
        for (int i = 0; i < 9; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Calls.ChatAsync(http, "more " + i, "alice")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Calls.ChatAsync(http, "one too many", "alice")).StatusCode);
    }

    [Fact]
    public async Task The_same_request_again_replays_the_stored_answer_without_metering()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(DailyTen);
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage first = await Calls.ChatAsync(http, "hello", "alice", key: "retry-me");
        HttpResponseMessage again = await Calls.ChatAsync(http, "hello", "alice", key: "retry-me");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        foreach (string header in new[] { "x-tokenlay-request-id", "x-tokenlay-cost", "x-tokenlay-input-tokens", "x-tokenlay-model" })
        {
            Assert.Equal(first.Headers.GetValues(header), again.Headers.GetValues(header));
        }
        Assert.Equal("true", again.Headers.GetValues("x-tokenlay-idempotent-replayed").Single());
        Assert.Single(emulator.Store.Snapshot());
        Assert.Equal(1, (long)(await Calls.UsageAsync(http))["totals"]!["requests"]!);
    }

    [Fact]
    public async Task Concurrent_calls_with_one_new_key_run_once_and_count_once()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(DailyTen, o => o.SimulatedLatency = TimeSpan.FromMilliseconds(300));
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage[] answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Calls.ChatAsync(http, "same", "carol", key: "burst")));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Single(answers.Select(a => a.Headers.GetValues("x-tokenlay-request-id").Single()).Distinct());
        Assert.Single(emulator.Store.Snapshot());
        // The limit took one request: nine fresh calls still fit in carol's ten.
        for (int i = 0; i < 9; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await Calls.ChatAsync(http, "fresh " + i, "carol")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Calls.ChatAsync(http, "eleventh", "carol")).StatusCode);
    }

    [Fact]
    public async Task A_streamed_answer_is_replayed_byte_for_byte()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        string first = await (await Calls.ChatAsync(http, "stream me", "s", key: "stream-key", stream: true)).Content.ReadAsStringAsync();
        HttpResponseMessage replay = await Calls.ChatAsync(http, "stream me", "s", key: "stream-key", stream: true);

        Assert.Contains("data: [DONE]", first);
        Assert.Equal(first, await replay.Content.ReadAsStringAsync());
        Assert.Equal("text/event-stream", replay.Content.Headers.ContentType?.MediaType);
        Assert.Single(emulator.Store.Snapshot());
    }

    [Fact]
    public async Task A_blocked_call_does_not_keep_its_key_so_a_later_retry_is_judged_afresh()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "one", "if": {}, "then": { "limits": [ { "type": "requests", "max": 1, "window": "day", "per": "user" } ] } }]
            """);
        using HttpClient http = Emu.Http(emulator);
        await Calls.ChatAsync(http, "use it up", "d");

        Assert.Equal(HttpStatusCode.TooManyRequests, (await Calls.ChatAsync(http, "x", "d", key: "k2")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Calls.ChatAsync(http, "x", "d", key: "k2")).StatusCode);
        Assert.Equal(3, emulator.Store.Snapshot().Count); // each refusal is logged; neither was replayed as a 200
    }

    [Fact]
    public async Task Keys_expire_after_24_hours()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.TimeProvider = clock);
        using HttpClient http = Emu.Http(emulator);
        await Calls.ChatAsync(http, "day one", "e", key: "daily");

        clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal(HttpStatusCode.Conflict, (await Calls.ChatAsync(http, "day two", "e", key: "daily")).StatusCode);
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(HttpStatusCode.OK, (await Calls.ChatAsync(http, "day two", "e", key: "daily")).StatusCode);
    }

    [Fact]
    public async Task An_sdk_retry_after_a_client_timeout_gets_the_first_calls_answer_and_counts_once()
    {
        // The first attempt outlives the client's timeout; the SDK retries with the same key while
        // (or after) the emulator finishes it: the retry waits for it and gets its answer.
        await using TokenlayEmulator emulator = await Emu.StartAsync(DailyTen, o => o.SimulatedLatency = TimeSpan.FromMilliseconds(1500));
        OpenAI.Chat.ChatClient chat = Emu.Chat(emulator, configure: o =>
        {
            o.MaxRetries = 3; // a retry that itself outlives the timeout (a busy machine) is retried again with the same key
            o.NetworkTimeout = TimeSpan.FromMilliseconds(700);
        });

        OpenAI.Chat.ChatCompletion reply = await Emu.AsUser(chat, "f", "slow one");

        Assert.Contains("slow one", reply.Content[0].Text);
        CallLogEntryAssert.Single(emulator);
    }
}

internal static class CallLogEntryAssert
{
    public static void Single(TokenlayEmulator emulator)
    {
        Metering.CallLogEntry entry = Assert.Single(emulator.Store.Snapshot());
        Assert.True(entry.Success);
        Assert.NotNull(entry.IdempotencyKey);
    }
}
