using System.Net;
using Tokenlay.Emulator.Metering;

namespace Tokenlay.Emulator.Tests.Integrity;

/// <summary>Issue 10, item 3: a stream the caller abandons is metered for what was sent and counts as a request.</summary>
public class AbandonedStreamTests
{
    [Fact]
    public async Task Streams_hung_up_after_five_chunks_are_counted_and_metered()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""
            [{ "id": "three", "if": {}, "then": { "limits": [ { "type": "requests", "max": 3, "window": "day", "per": "user" } ] } }]
            """, o => o.SimulatedChunkDelay = TimeSpan.FromMilliseconds(30));
        using HttpClient http = Emu.Http(emulator);

        int opened = 0;
        for (int i = 0; i < 10; i++)
        {
            HttpResponseMessage response = await Calls.ChatAsync(http, "tell me a long story about " + i + " dragons and their many castles", "quitter", stream: true);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                continue;
            }
            opened++;
            using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync()))
            {
                for (int chunks = 0; chunks < 5;)
                {
                    string? line = await reader.ReadLineAsync();
                    Assert.NotNull(line);
                    chunks += line.StartsWith("data:", StringComparison.Ordinal) ? 1 : 0;
                }
            }
            response.Dispose(); // hang up mid-stream
        }

        Assert.Equal(3, opened);
        await WaitUntil(() => emulator.Store.Snapshot().Count(e => e.Status == 499) == 3);
        CallLogEntry[] abandoned = emulator.Store.Snapshot().Where(e => e.Status == 499).ToArray();
        Assert.All(abandoned, e =>
        {
            Assert.True(e.Counted);
            Assert.True(e.OutputTokens > 0, "the tokens sent before the hang-up are metered");
            Assert.True(e.InputTokens > 0);
            Assert.NotNull(e.CostUsd);
        });
        Assert.Equal(HttpStatusCode.TooManyRequests, (await Calls.ChatAsync(http, "one more", "quitter")).StatusCode);
        Assert.Equal(3, (long)(await Calls.UsageAsync(http))["totals"]!["requests"]!);
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(25);
        }
        Assert.True(condition());
    }
}
