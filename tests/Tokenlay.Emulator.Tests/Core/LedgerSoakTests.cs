using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Tests.Integrity;

namespace Tokenlay.Emulator.Tests.Core;

/// <summary>
/// Issue 20's soak: 50 concurrent callers mix plain calls (with and without max_tokens), streams cut
/// at random points, reservations drawn on, committed and released, and records, over three runs of
/// the emulator on one --data file. After each run the log, /v1/usage and every limit's current
/// agree to the token, and no proxied call took a limit past its max. Bounded: a fixed number of
/// operations, a fixed seed.
/// </summary>
public sealed class LedgerSoakTests : IDisposable
{
    private const int Callers = 50, OperationsPerCaller = 8, Runs = 3, TokenMax = 4000;
    private static readonly string[] s_users = Enumerable.Range(0, 10).Select(i => "soak-" + i).ToArray();

    private const string Rules = """
        [{ "id": "daily", "if": {}, "then": { "limits": [
            { "type": "tokens", "max": 4000, "window": "day", "per": "user" },
            { "type": "requests", "max": 60, "window": "day", "per": "user" } ] } }]
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("tokenlay-soak-").FullName;
    private int _refused;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Logs_usage_and_limits_agree_after_a_concurrent_mix_and_restarts()
    {
        string data = Path.Combine(_dir, "soak.db");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        var recorded = new Dictionary<string, long>(StringComparer.Ordinal); // tokens recorded or committed past what a hold covered: allowed past a limit
        for (int run = 0; run < Runs; run++)
        {
            await using TokenlayEmulator emulator = await Emu.StartAsync(Rules, o =>
            {
                o.DataPath = data;
                o.TimeProvider = clock;
            });
            var random = new Random(20 + run);
            int[] seeds = Enumerable.Range(0, Callers).Select(_ => random.Next()).ToArray();
            long[][] extra = await Task.WhenAll(seeds.Select(seed => CallerAsync(emulator, new Random(seed))));
            foreach (long[] perUser in extra)
            {
                for (int u = 0; u < s_users.Length; u++)
                {
                    recorded[s_users[u]] = recorded.GetValueOrDefault(s_users[u]) + perUser[u];
                }
            }
            await AssertAgreeAsync(emulator, recorded);
        }
        Assert.True(_refused > 20, $"the limits must be in play: {_refused} calls refused");
    }

    private static async Task AssertAgreeAsync(TokenlayEmulator emulator, Dictionary<string, long> recorded)
    {
        using HttpClient http = Emu.Http(emulator);
        IReadOnlyList<CallLogEntry> log = emulator.Store.Snapshot();
        foreach (string user in s_users)
        {
            long logged = log.Where(e => e.Counted && e.User == user).Sum(e => e.InputTokens + e.OutputTokens);
            JsonNode usage = await Calls.UsageAsync(http, "?user=" + user);
            HttpResponseMessage check = await http.PostAsync("/v1/check", Emu.Json($$$"""{"model":"gpt-4o-mini","metadata":{"user":"{{{user}}}"},"estimate":{"input_tokens":0,"output_tokens":0}}"""));
            JsonNode limits = JsonNode.Parse(await check.Content.ReadAsStringAsync())!["limits"]!;
            decimal current = (decimal)limits.AsArray().Single(l => (string?)l!["type"] == "tokens")!["current"]!;
            long requests = (long)limits.AsArray().Single(l => (string?)l!["type"] == "requests")!["current"]!;

            Assert.Equal(logged, (long)usage["totals"]!["total_tokens"]!);
            Assert.Equal(logged, current);
            Assert.Equal(log.Count(e => e.Counted && e.User == user), requests);
            Assert.True(current <= TokenMax + recorded.GetValueOrDefault(user), $"{user}: {current} tokens against a limit of {TokenMax} (+{recorded.GetValueOrDefault(user)} recorded)");
        }
    }

    /// <summary>One caller's operations; returns, per user, the tokens it recorded or committed beyond a hold.</summary>
    private async Task<long[]> CallerAsync(TokenlayEmulator emulator, Random random)
    {
        var extra = new long[s_users.Length];
        using HttpClient http = Emu.Http(emulator);
        for (int i = 0; i < OperationsPerCaller; i++)
        {
            int u = random.Next(s_users.Length);
            string user = s_users[u];
            switch (random.Next(5))
            {
                case 0:
                    Count(await Calls.ChatAsync(http, "soak " + i, user, maxTokens: random.Next(20, 400)));
                    break;
                case 1:
                    Count(await Calls.ChatAsync(http, "soak without a cap " + i, user));
                    break;
                case 2:
                    using (HttpResponseMessage stream = await Calls.ChatAsync(http, "a stream to cut " + i, user, maxTokens: random.Next(20, 300), stream: true))
                    {
                        if (stream.StatusCode == HttpStatusCode.OK)
                        {
                            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
                            for (int lines = random.Next(0, 12); lines > 0 && await reader.ReadLineAsync() is not null; lines--)
                            {
                            }
                        }
                    }
                    break;
                case 3:
                    HttpResponseMessage reserved = await http.PostAsync("/v1/reservations", Emu.Json(
                        $$$"""{"model":"gpt-4o-mini","metadata":{"user":"{{{user}}}"},"estimate":{"input_tokens":50,"output_tokens":{{{random.Next(50, 300)}}}}}"""));
                    if (reserved.StatusCode != HttpStatusCode.Created)
                    {
                        break;
                    }
                    JsonNode reservation = JsonNode.Parse(await reserved.Content.ReadAsStringAsync())!;
                    string id = (string)reservation["id"]!;
                    long held = (long)reservation["held"]!["tokens"]!;
                    var drawing = new Dictionary<string, string> { ["x-tokenlay-reservation"] = id };
                    await Calls.ChatAsync(http, "drawing on a reservation", user, maxTokens: 30, headers: drawing);
                    if (random.Next(2) == 0)
                    {
                        long committed = random.Next(10, 400);
                        HttpResponseMessage commit = await http.PostAsync($"/v1/reservations/{id}/commit", Emu.Json($$"""{"input_tokens":{{committed}},"output_tokens":0}"""));
                        Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
                        extra[u] += Math.Max(0, committed);
                    }
                    Assert.Equal(HttpStatusCode.OK, (await http.DeleteAsync("/v1/reservations/" + id)).StatusCode);
                    break;
                default:
                    long tokens = random.Next(1, 60);
                    HttpResponseMessage record = await http.PostAsync("/v1/usage/records", Emu.Json(
                        $$"""{"model":"gpt-4o-mini","metadata":{"user":"{{user}}"},"input_tokens":{{tokens}},"output_tokens":0,"idempotency_key":"{{Guid.NewGuid()}}"}"""));
                    Assert.Equal(HttpStatusCode.Created, record.StatusCode);
                    extra[u] += tokens;
                    break;
            }
        }
        return extra;
    }

    private void Count(HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            Interlocked.Increment(ref _refused);
        }
    }
}
