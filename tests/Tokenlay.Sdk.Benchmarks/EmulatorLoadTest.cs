using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Tokenlay.Emulator;

namespace Tokenlay.Benchmarks;

/// <summary>
/// Emulator throughput in forward mode against calling the same upstream directly. The upstream is
/// a second emulator simulating the provider. The load is bounded: a fixed number of requests at
/// fixed concurrency, all on loopback.
/// </summary>
internal static class EmulatorLoadTest
{
    private const string ProviderKey = "sk-load-upstream";
    private const string Body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}""";

    public static async Task RunAsync(int requests, int concurrency)
    {
        await using TokenlayEmulator upstream = await TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions { Key = ProviderKey });
        await using TokenlayEmulator proxy = await TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions { Forward = true });
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency });
        string upstreamUrl = new Uri(upstream.BaseUrl, "v1/chat/completions").ToString();
        string proxyUrl = new Uri(proxy.BaseUrl, "v1/chat/completions").ToString();

        HttpRequestMessage Direct() => Request(upstreamUrl, ProviderKey, null);
        HttpRequestMessage ViaProxy() => Request(proxyUrl, proxy.Key, new Uri(upstream.BaseUrl, "v1").ToString());

        await Measure(http, Direct, 500, concurrency); // warm-up, not reported
        await Measure(http, ViaProxy, 500, concurrency);
        Result direct = await Measure(http, Direct, requests, concurrency);
        Result forwarded = await Measure(http, ViaProxy, requests, concurrency);

        Console.WriteLine($"| path | requests | concurrency | req/s | p50 ms | p99 ms |");
        Console.WriteLine($"|---|---|---|---|---|---|");
        Print("upstream directly", direct, requests, concurrency);
        Print("through the emulator (--forward)", forwarded, requests, concurrency);
        Console.WriteLine();
        Console.WriteLine($"added latency: p50 +{forwarded.P50 - direct.P50:0.00} ms, p99 +{forwarded.P99 - direct.P99:0.00} ms; throughput ratio {forwarded.Rps / direct.Rps:0.00}");
        // The log keeps the most recent calls only; usage totals count every call.
        using var usage = new HttpClient { BaseAddress = proxy.BaseUrl };
        usage.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", proxy.Key);
        string totals = await usage.GetStringAsync("/v1/usage");
        Console.WriteLine($"metered calls in the proxy's usage: {System.Text.Json.Nodes.JsonNode.Parse(totals)!["totals"]!["requests"]} (expected {requests + 500})");
    }

    private static HttpRequestMessage Request(string url, string key, string? providerBase)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (providerBase is not null)
        {
            request.Headers.Add("x-tokenlay-provider-key", ProviderKey);
            request.Headers.Add("x-tokenlay-provider-base", providerBase);
            request.Headers.Add("x-tokenlay-user", "load");
        }
        return request;
    }

    internal sealed record Result(double Rps, double P50, double P99, int Failures);

    internal static async Task<Result> Measure(HttpClient http, Func<HttpRequestMessage> create, int requests, int concurrency)
    {
        var latencies = new double[requests];
        int next = -1, failures = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5)); // the load test always ends
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                long start = Stopwatch.GetTimestamp();
                using HttpResponseMessage response = await http.SendAsync(create(), deadline.Token);
                await response.Content.ReadAsByteArrayAsync(deadline.Token);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failures);
                }
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }));
        double seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return new Result(requests / seconds, latencies[requests / 2], latencies[(int)(requests * 0.99)], failures);
    }

    private static void Print(string name, Result r, int requests, int concurrency) =>
        Console.WriteLine($"| {name} | {requests} | {concurrency} | {r.Rps:0} | {r.P50:0.00} | {r.P99:0.00} |" + (r.Failures > 0 ? $" ({r.Failures} failed)" : ""));
}
