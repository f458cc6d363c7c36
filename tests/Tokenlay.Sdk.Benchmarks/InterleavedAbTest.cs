using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using OpenAI;
using OpenAI.Chat;

namespace Tokenlay.Benchmarks;

/// <summary>
/// Raw vs Tokenlay on the in-memory transport, measured in one process with the variants
/// interleaved batch by batch (A B A B …). On a shared VM the machine's speed drifts between
/// processes by more than the difference being measured; interleaving exposes both variants to
/// the same drift, so the ratio of medians is stable where separate runs are not.
/// </summary>
internal static class InterleavedAbTest
{
    private static readonly ChatMessage[] Messages = [new UserChatMessage("Hello!")];

    public static async Task RunAsync(int rounds, int batch)
    {
        var clients = new BenchmarkClients();
        (ChatClient raw, ChatClient rawPlusHeaders, ChatClient tokenlay) = (clients.Raw, clients.RawPlusHeaders, clients.Tokenlay);
        var scope = new TokenlayRequestContext { User = "user_123" };
        var variants = new (string Name, Func<Task> Call)[]
        {
            ("raw", async () => await raw.CompleteChatAsync(Messages)),
            ("raw + 4 constant headers (control)", async () => await rawPlusHeaders.CompleteChatAsync(Messages)),
            ("tokenlay, no scope", async () => await tokenlay.CompleteChatAsync(Messages)),
            ("tokenlay, one scope", async () =>
            {
                using (TokenlayScope.Begin(scope))
                {
                    await tokenlay.CompleteChatAsync(Messages);
                }
            }),
        };
        await RunVariantsAsync(variants, rounds, batch);
    }

    /// <summary>Time to the first streamed chunk over loopback Kestrel, raw vs Tokenlay, interleaved.</summary>
    public static async Task RunStreamingAsync(int rounds, int batch)
    {
        var loopback = new LoopbackBenchmarks();
        loopback.Setup();
        try
        {
            var variants = new (string Name, Func<Task> Call)[]
            {
                ("raw, first streamed chunk", () => loopback.Raw_FirstStreamedChunk()),
                ("tokenlay, first streamed chunk", () => loopback.Tokenlay_FirstStreamedChunk()),
                ("raw, 200-chunk stream", () => loopback.Raw_LongStream()),
                ("tokenlay, 200-chunk stream", () => loopback.Tokenlay_LongStream()),
            };
            await RunVariantsAsync(variants, rounds, batch);
        }
        finally
        {
            loopback.Cleanup();
        }
    }

    /// <returns>Each variant's per-call time of every kept round, in nanoseconds.</returns>
    internal static async Task<List<double>[]> RunVariantsAsync((string Name, Func<Task> Call)[] variants, int rounds, int batch)
    {
        var times = variants.Select(_ => new List<double>()).ToArray();
        var bytes = variants.Select(_ => new List<double>()).ToArray();
        for (int round = -3; round < rounds; round++) // three warm-up rounds, not kept
        {
            for (int v = 0; v < variants.Length; v++)
            {
                long allocated = GC.GetTotalAllocatedBytes(precise: true);
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < batch; i++)
                {
                    await variants[v].Call();
                }
                double perCallNs = Stopwatch.GetElapsedTime(start).TotalNanoseconds / batch;
                double perCallBytes = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)batch;
                if (round >= 0)
                {
                    times[v].Add(perCallNs);
                    bytes[v].Add(perCallBytes);
                }
            }
        }

        double rawMedian = Median(times[0]);
        double rawBytes = Median(bytes[0]);
        Console.WriteLine($"{rounds} interleaved rounds of {batch} calls per variant");
        Console.WriteLine("| variant | median µs/call | IQR µs | vs raw | bytes/call | added bytes |");
        Console.WriteLine("|---|---|---|---|---|---|");
        for (int v = 0; v < variants.Length; v++)
        {
            double median = Median(times[v]);
            Console.WriteLine($"| {variants[v].Name} | {median / 1000:0.000} | {Percentile(times[v], 0.25) / 1000:0.000}–{Percentile(times[v], 0.75) / 1000:0.000} | {median / rawMedian:0.000}x | {Median(bytes[v]):0} | {Median(bytes[v]) - rawBytes:+0;-0;0} |");
        }
        // Per-round ratios cancel drift within a round; their median is the figure to quote.
        for (int v = 1; v < variants.Length; v++)
        {
            double[] ratios = times[v].Zip(times[0], (t, r) => t / r).ToArray();
            Console.WriteLine($"per-round ratio {variants[v].Name} / {variants[0].Name}: median {Median(ratios):0.000}, IQR {Percentile(ratios, 0.25):0.000}–{Percentile(ratios, 0.75):0.000}");
        }
        int control = Array.FindIndex(variants, v => v.Name.Contains("(control)", StringComparison.Ordinal));
        for (int v = control + 1; control > 0 && v < variants.Length; v++)
        {
            double[] ratios = times[v].Zip(times[control], (t, c) => t / c).ToArray();
            Console.WriteLine($"per-round ratio {variants[v].Name} / control: median {Median(ratios):0.000}, IQR {Percentile(ratios, 0.25):0.000}–{Percentile(ratios, 0.75):0.000}");
        }
        return times;
    }

    /// <summary>Prints the per-round ratio of two variants' times (their median cancels the drift between rounds).</summary>
    internal static void PrintRatio(string name, List<double> a, List<double> b)
    {
        double[] ratios = a.Zip(b, (x, y) => x / y).ToArray();
        Console.WriteLine($"per-round ratio {name}: median {Median(ratios):0.000}, IQR {Percentile(ratios, 0.25):0.000}–{Percentile(ratios, 0.75):0.000}");
    }

    private static double Median(IEnumerable<double> values) => Percentile(values, 0.5);

    private static double Percentile(IEnumerable<double> values, double p)
    {
        double[] sorted = values.OrderBy(x => x).ToArray();
        return sorted[(int)Math.Round((sorted.Length - 1) * p)];
    }
}
