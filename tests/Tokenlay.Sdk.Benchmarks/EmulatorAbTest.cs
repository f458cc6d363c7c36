using System.Net.Http.Headers;
using System.Text;

namespace Tokenlay.Benchmarks;

/// <summary>
/// Two emulator builds side by side, interleaved (<c>emulator-ab</c>): the same bounded load on
/// each in turn, round after round, on both the simulated path and --forward (each build forwarding
/// to one shared upstream), so the machine's drift hits both alike. The emulators are processes the
/// script <c>emulator-ab.sh</c> starts (this build and an earlier commit's); this only sends load and
/// prints medians over rounds and the median per-round ratio new/old.
/// </summary>
internal static class EmulatorAbTest
{
    private const string ProviderKey = "sk-load-upstream";
    private const string Body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}""";

    public static async Task RunAsync(int rounds, int requests, int concurrency, Uri upstream, Uri oldSim, Uri newSim, Uri oldFwd, Uri newFwd)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency });
        var paths = new (string Name, Uri Base, string? ProviderBase)[]
        {
            ("old simulated", oldSim, null), ("new simulated", newSim, null),
            ("old --forward", oldFwd, new Uri(upstream, "v1").ToString()), ("new --forward", newFwd, new Uri(upstream, "v1").ToString()),
        };
        var results = paths.ToDictionary(p => p.Name, _ => new List<EmulatorLoadTest.Result>());
        for (int round = -2; round < rounds; round++) // two warm-up rounds
        {
            foreach ((string name, Uri baseUrl, string? providerBase) in round % 2 == 0 ? paths : paths.Reverse())
            {
                EmulatorLoadTest.Result r = await EmulatorLoadTest.Measure(http, () => Request(baseUrl, providerBase), requests, concurrency);
                if (round >= 0)
                {
                    results[name].Add(r);
                }
            }
        }
        Console.WriteLine($"{rounds} rounds of {requests} requests at {concurrency} connections, interleaved (medians over rounds)");
        Console.WriteLine("| path | req/s | p50 ms | p99 ms | failures |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach ((string name, _, _) in paths)
        {
            List<EmulatorLoadTest.Result> r = results[name];
            Console.WriteLine($"| {name} | {Median(r.Select(x => x.Rps)):0} | {Median(r.Select(x => x.P50)):0.000} | {Median(r.Select(x => x.P99)):0.000} | {r.Sum(x => x.Failures)} |");
        }
        foreach (string path in new[] { "simulated", "--forward" })
        {
            var ratios = results["new " + path].Zip(results["old " + path], (n, o) => n.Rps / o.Rps).ToList();
            Console.WriteLine($"{path}: new/old throughput, median per-round ratio {Median(ratios):0.000} (IQR {Quantile(ratios, 0.25):0.000}-{Quantile(ratios, 0.75):0.000})");
        }
    }

    private static HttpRequestMessage Request(Uri baseUrl, string? providerBase)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, "v1/chat/completions")) { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "tl_local");
        request.Headers.Add("x-tokenlay-user", "load");
        if (providerBase is not null)
        {
            request.Headers.Add("x-tokenlay-provider-key", ProviderKey);
            request.Headers.Add("x-tokenlay-provider-base", providerBase);
        }
        return request;
    }

    private static double Median(IEnumerable<double> values) => Quantile(values.ToList(), 0.5);

    private static double Quantile(IReadOnlyCollection<double> values, double q)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, Math.Round(q * (sorted.Length - 1)))];
    }
}
