using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Tokenlay.Emulator.Pricing;
using Tokenlay.Emulator.Tests.Integrity;

namespace Tokenlay.Emulator.Tests.Credits;

/// <summary>
/// Issue 21's soak: 50 concurrent callers mix calls (capped and not), streams cut at random points,
/// grants, positive adjustments and reservations on ten credit accounts, while the fake clock
/// crosses refills and expiries, over two runs on one --data file. After each run every account's
/// history sums to its balance, no account is below zero, nothing is held, and what was burned is
/// what the log metered. Bounded: fixed counts, fixed seeds.
/// </summary>
public sealed class CreditsSoakTests : IDisposable
{
    private const int Callers = 50, OperationsPerCaller = 6, Runs = 2;
    private static readonly string[] s_users = Enumerable.Range(0, 10).Select(i => "payer-" + i).ToArray();
    private static readonly Dictionary<string, ModelPrice> s_creditPerToken = new(StringComparer.OrdinalIgnoreCase) { ["gpt-4o-mini"] = new ModelPrice(1_000_000, 1_000_000) };

    private readonly string _dir = Directory.CreateTempSubdirectory("tokenlay-credit-soak-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Histories_sum_to_balances_and_no_account_goes_below_zero()
    {
        string data = Path.Combine(_dir, "credits.db");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        int refused = 0;
        for (int run = 0; run < Runs; run++)
        {
            await using TokenlayEmulator emulator = await Emu.StartAsync("""[{ "id": "paid", "if": {}, "then": { "credits": { "per": "user" } } }]""", o =>
            {
                o.DataPath = data;
                o.TimeProvider = clock;
                o.ModelCreditRates = s_creditPerToken;
            });
            using HttpClient http = Emu.Http(emulator);
            if (run == 0)
            {
                await http.PutAsync("/v1/credits/tiers/hourly", Emu.Json("""{"allocation": 300, "period": "day", "rollover": {"max": 50}}"""));
                foreach (string user in s_users)
                {
                    await http.PutAsync($"/v1/credits/accounts/user:{user}/tier", Emu.Json("""{"tier": "hourly"}"""));
                }
            }
            var random = new Random(21 + run);
            int[] seeds = Enumerable.Range(0, Callers).Select(_ => random.Next()).ToArray();
            int[] counts = await Task.WhenAll(seeds.Select(seed => CallerAsync(emulator, clock, new Random(seed))));
            refused += counts.Sum();

            foreach (string user in s_users)
            {
                JsonNode account = JsonNode.Parse(await http.GetStringAsync("/v1/credits/accounts/user:" + user))!;
                JsonArray history = JsonNode.Parse(await http.GetStringAsync($"/v1/credits/accounts/user:{user}/transactions?limit=1000"))!["data"]!.AsArray();
                decimal burned = -history.Where(t => (string?)t!["type"] == "burn").Sum(t => (decimal)t!["amount"]!);
                long metered = emulator.Store.Snapshot().Where(e => e.Counted && e.User == user).Sum(e => e.InputTokens + e.OutputTokens);

                Assert.Equal((decimal)account["settled"]!, history.Sum(t => (decimal)t!["amount"]!));
                Assert.True((decimal)account["available"]! >= 0, $"{user}: {account.ToJsonString()}");
                Assert.Equal(0, (decimal)account["held"]!);
                Assert.Equal(metered, burned);
            }
        }
        Assert.True(refused > 10, $"the balances must be in play: {refused} calls refused");
    }

    /// <summary>One caller's operations; returns how many calls were refused for credits.</summary>
    private static async Task<int> CallerAsync(TokenlayEmulator emulator, FakeTimeProvider clock, Random random)
    {
        int refused = 0;
        using HttpClient http = Emu.Http(emulator);
        for (int i = 0; i < OperationsPerCaller; i++)
        {
            string user = s_users[random.Next(s_users.Length)];
            switch (random.Next(6))
            {
                case 0:
                case 1:
                    HttpResponseMessage call = random.Next(2) == 0
                        ? await Calls.ChatAsync(http, "pay " + i, user, maxTokens: random.Next(10, 120))
                        : await Calls.ChatAsync(http, "pay without a cap " + i, user);
                    refused += call.StatusCode == HttpStatusCode.PaymentRequired ? 1 : 0;
                    break;
                case 2:
                    using (HttpResponseMessage stream = await Calls.ChatAsync(http, "a paid stream to cut " + i, user, maxTokens: random.Next(10, 120), stream: true))
                    {
                        if (stream.StatusCode == HttpStatusCode.OK)
                        {
                            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
                            for (int lines = random.Next(0, 10); lines > 0 && await reader.ReadLineAsync() is not null; lines--)
                            {
                            }
                        }
                        refused += stream.StatusCode == HttpStatusCode.PaymentRequired ? 1 : 0;
                    }
                    break;
                case 3:
                    await http.PostAsync("/v1/credits/grants", Emu.Json(
                        $$"""{"account": "user:{{user}}", "amount": {{random.Next(1, 80)}}, "expires_at": "{{clock.GetUtcNow().AddHours(random.Next(1, 30)):yyyy-MM-ddTHH:mm:ssZ}}", "idempotency_key": "{{Guid.NewGuid()}}"}"""));
                    break;
                case 4:
                    await http.PostAsync($"/v1/credits/accounts/user:{user}/adjustments", Emu.Json($$"""{"amount": {{random.Next(1, 20)}}, "reason": "goodwill"}"""));
                    if (random.Next(4) == 0)
                    {
                        clock.Advance(TimeSpan.FromHours(random.Next(1, 9))); // crosses expiries and daily refills
                    }
                    break;
                default:
                    HttpResponseMessage reserved = await http.PostAsync("/v1/reservations", Emu.Json(
                        $$$"""{"model": "gpt-4o-mini", "metadata": {"user": "{{{user}}}"}, "estimate": {"cost_usd": 0.{{{random.Next(10, 60)}}}}}"""));
                    if (reserved.StatusCode == HttpStatusCode.Created)
                    {
                        string id = (string)JsonNode.Parse(await reserved.Content.ReadAsStringAsync())!["id"]!;
                        await Calls.ChatAsync(http, "on the reservation", user, maxTokens: 20, headers: new Dictionary<string, string> { ["x-tokenlay-reservation"] = id });
                        await http.DeleteAsync("/v1/reservations/" + id);
                    }
                    break;
            }
        }
        return refused;
    }
}
