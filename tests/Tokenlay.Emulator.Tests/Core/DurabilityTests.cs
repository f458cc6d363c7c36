using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Tokenlay.Emulator.Metering;
using Tokenlay.Emulator.Tests.Integrity;

namespace Tokenlay.Emulator.Tests.Core;

/// <summary>Issue 20, items 3 and 4, as a process sees them: a crash counts what it cut, and one store has one emulator.</summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tokenlay-crash-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_crash_mid_call_is_counted_at_its_hold_after_the_restart()
    {
        string data = Path.Combine(_dir, "crash.db");
        string rules = Path.Combine(_dir, "rules.json");
        const string Rules = """[{ "id": "daily", "if": {}, "then": { "limits": [ { "type": "tokens", "max": 100000, "window": "day", "per": "user" } ] } }]""";
        await File.WriteAllTextAsync(rules, Rules);
        using Process tool = StartTool("--data", data, "--rules", rules, "--latency-ms", "30000", "--urls", "http://127.0.0.1:0");
        try
        {
            Uri baseUrl = await ListeningAsync(tool);
            using var http = new HttpClient { BaseAddress = baseUrl };
            http.DefaultRequestHeaders.Authorization = new("Bearer", "tl_local");
            Task<HttpResponseMessage> inFlight = Calls.ChatAsync(http, "this call never ends", "victor", maxTokens: 700);
            await WaitUntilAsync(async () => (await http.GetStringAsync("/v1/rules/status")).Contains("victor", StringComparison.Ordinal));

            await Task.Delay(500); // the hold is committed before the provider is asked; give the commit its moment
            tool.Kill(entireProcessTree: true); // no shutdown, no flush: a crash
            await tool.WaitForExitAsync();
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => inFlight);
        }
        finally
        {
            if (!tool.HasExited)
            {
                tool.Kill(entireProcessTree: true);
            }
        }

        await using TokenlayEmulator again = await Emu.StartAsync(Rules, o => o.DataPath = data);
        CallLogEntry cut = Assert.Single(again.Store.Snapshot());
        Assert.Equal("victor", cut.User);
        Assert.Equal("held", cut.UsageSource);
        Assert.True(cut.Counted);
        Assert.Equal(700, cut.OutputTokens);
        using HttpClient client = Emu.Http(again);
        JsonNode check = JsonNode.Parse(await (await client.PostAsync("/v1/check", Emu.Json("""{"model":"gpt-4o-mini","metadata":{"user":"victor"}}"""))).Content.ReadAsStringAsync())!;
        Assert.Equal(cut.InputTokens + cut.OutputTokens, (decimal)check["limits"]![0]!["current"]!);
        JsonNode usage = await Calls.UsageAsync(client, "?user=victor");
        Assert.Equal(cut.InputTokens + cut.OutputTokens, (long)usage["totals"]!["total_tokens"]!);
    }

    [Fact]
    public async Task A_second_emulator_process_on_the_same_store_exits_with_2_and_one_line()
    {
        string data = Path.Combine(_dir, "one.db");
        await using TokenlayEmulator first = await Emu.StartAsync(configure: o => o.DataPath = data);

        using Process second = StartTool("--data", data, "--urls", "http://127.0.0.1:0");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string stderr = await second.StandardError.ReadToEndAsync(timeout.Token);
        await second.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, second.ExitCode);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("in use by another emulator", line);
        Assert.Contains(data, line);
    }

    private static Process StartTool(params string[] args)
    {
        string tool = Emu.ToolPath;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(tool);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return Process.Start(start)!;
    }

    private static async Task<Uri> ListeningAsync(Process tool)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await tool.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            int at = line.IndexOf("listening on http://", StringComparison.Ordinal);
            if (at >= 0)
            {
                return new Uri(line[(at + "listening on ".Length)..].Split(' ')[0]);
            }
        }
        throw new InvalidOperationException("the tool ended before it listened: " + await tool.StandardError.ReadToEndAsync());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "timed out");
            await Task.Delay(50);
        }
    }
}
