using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Tokenlay.Emulator;

namespace Tokenlay.Benchmarks;

/// <summary>
/// The emulator's memory after many calls: the log is capped, older calls are folded into per-minute
/// sums, so resident memory must level off while usage totals stay exact, for many distinct users
/// and with <c>--data</c> (a SQLite file) too.
/// </summary>
internal static class EmulatorMemoryTest
{
    private const string Body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}""";

    /// <param name="calls">Calls to make.</param>
    /// <param name="concurrency">Connections.</param>
    /// <param name="users">Distinct users the calls are spread over.</param>
    /// <param name="withData">Whether the emulator keeps its calls in a SQLite file (<c>--data</c>), deleted afterwards.</param>
    public static async Task RunAsync(int calls, int concurrency, int users = 100, bool withData = false)
    {
        string? data = withData ? Path.Combine(Path.GetTempPath(), $"tokenlay-memory-{Guid.NewGuid():N}.db") : null;
        try
        {
            await RunAsync(calls, concurrency, users, data);
        }
        finally
        {
            foreach (string file in data is null ? [] : Directory.GetFiles(Path.GetDirectoryName(data)!, Path.GetFileName(data) + "*"))
            {
                File.Delete(file);
            }
        }
    }

    private static async Task RunAsync(int calls, int concurrency, int users, string? data)
    {
        Console.WriteLine($"{calls:N0} calls over {concurrency} connections, {users:N0} distinct users, {(data is null ? "in memory" : "--data " + data)}");
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions { DataPath = data });
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency });
        string url = new Uri(emulator.BaseUrl, "v1/chat/completions").ToString();
        int next = -1, failures = 0;
        var clock = Stopwatch.StartNew();
        Console.WriteLine("| calls | elapsed s | working set MB | GC heap MB | log entries |");
        Console.WriteLine("|---|---|---|---|---|");
        int reportEvery = Math.Max(1, calls / 5);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls)
            {
                var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", emulator.Key);
                request.Headers.Add("x-tokenlay-user", "user-" + (i % users));
                using HttpResponseMessage response = await http.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failures);
                }
                if ((i + 1) % reportEvery == 0)
                {
                    Report(i + 1, clock, emulator);
                }
            }
        }));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Report(calls, clock, emulator);
        using var usage = new HttpClient { BaseAddress = emulator.BaseUrl };
        usage.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", emulator.Key);
        string totals = await usage.GetStringAsync("/v1/usage");
        Console.WriteLine($"failures: {failures}; /v1/usage totals.requests = {System.Text.Json.Nodes.JsonNode.Parse(totals)!["totals"]!["requests"]} (expected {calls})");
    }

    private static void Report(int done, Stopwatch clock, TokenlayEmulator emulator)
    {
        using Process self = Process.GetCurrentProcess();
        Console.WriteLine($"| {done:N0} | {clock.Elapsed.TotalSeconds:0} | {self.WorkingSet64 / 1048576.0:0} | {GC.GetTotalMemory(false) / 1048576.0:0} | {emulator.Store.Snapshot().Count:N0} |");
    }
}
