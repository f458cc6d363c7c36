using System.Reflection;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Tests.Integrity;

/// <summary>Issue 10, items 7 and 9: a durable SQLite store, a state file that fails safely, and bounded memory.</summary>
public sealed class StorageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tokenlay-store-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_data_store_keeps_calls_usage_and_prices_across_a_restart()
    {
        string data = Path.Combine(_dir, "tokenlay.db");
        JsonNode before;
        await using (TokenlayEmulator first = await Emu.StartAsync(configure: o => o.DataPath = data))
        {
            using HttpClient http = Emu.Http(first);
            for (int i = 0; i < 5; i++)
            {
                await Calls.ChatAsync(http, "remember " + i, i % 2 == 0 ? "even" : "odd");
            }
            await http.PutAsync("/v1/pricing", Emu.Json("""{"openai": {"kept-model": {"input": 1, "output": 1}}}"""));
            before = await Calls.UsageAsync(http);
        }

        await using TokenlayEmulator second = await Emu.StartAsync(configure: o => o.DataPath = data);
        using HttpClient again = Emu.Http(second);
        JsonNode after = await Calls.UsageAsync(again);
        Assert.Equal(before["totals"]!.ToJsonString(), after["totals"]!.ToJsonString());
        Assert.Equal(5, second.Store.Snapshot().Count);
        Assert.NotNull(second.Store.Prices.Find("openai", "kept-model"));
        await Calls.ChatAsync(again, "new", "even");
        Assert.Equal(6, second.Store.Snapshot().Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task A_data_file_that_is_not_a_database_stops_the_start_naming_the_file()
    {
        string data = Path.Combine(_dir, "garbage.db");
        await File.WriteAllTextAsync(data, "this is not a SQLite database, just some text that is long enough to have a header");

        var error = await Assert.ThrowsAsync<EmulatorStoreException>(() => Emu.StartAsync(configure: o => o.DataPath = data));

        Assert.Contains(data, error.Message);
    }

    [Theory]
    [InlineData("data")]
    [InlineData("state")]
    public async Task A_store_in_a_missing_directory_stops_the_start(string kind)
    {
        string path = Path.Combine(_dir, "missing", "store");

        var error = await Assert.ThrowsAsync<EmulatorStoreException>(() => Emu.StartAsync(configure: o =>
        {
            if (kind == "data") o.DataPath = path; else o.StatePath = path;
        }));

        Assert.Contains("does not exist", error.Message);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"entries\": 5}")]
    [InlineData("not json")]
    public async Task A_corrupt_state_file_stops_the_start(string content)
    {
        string path = Path.Combine(_dir, "state.json");
        await File.WriteAllTextAsync(path, content);

        var error = await Assert.ThrowsAsync<EmulatorStoreException>(() => Emu.StartAsync(configure: o => o.StatePath = path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public async Task A_state_file_that_cannot_be_written_degrades_health_but_calls_are_served()
    {
        string sub = Path.Combine(_dir, "vanishing");
        Directory.CreateDirectory(sub);
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.StatePath = Path.Combine(sub, "state.json"));
        using HttpClient http = Emu.Http(emulator);
        Directory.Delete(sub, recursive: true);

        Assert.Equal(HttpStatusCode.OK, (await Calls.ChatAsync(http, "still served", "u")).StatusCode);
        JsonNode? health = null;
        for (int i = 0; i < 60 && (string?)health?["status"] != "degraded"; i++)
        {
            await Task.Delay(100);
            health = JsonNode.Parse(await http.GetStringAsync("/v1/health"));
        }
        Assert.Equal("degraded", (string?)health?["status"]);
        Assert.Contains("state.json", (string?)health?["problem"]);
        Assert.Equal(HttpStatusCode.OK, (await Calls.ChatAsync(http, "and still", "u")).StatusCode);
    }

    [Fact]
    public async Task The_in_memory_log_is_capped_while_usage_totals_stay_exact()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.MaxLogEntries = 100);
        using HttpClient http = Emu.Http(emulator);

        for (int i = 0; i < 400; i++)
        {
            await Calls.ChatAsync(http, "call " + i, i % 4 == 0 ? "quarter" : "rest");
        }

        Assert.InRange(emulator.Store.Snapshot().Count, 100, 110);
        JsonNode usage = await Calls.UsageAsync(http);
        Assert.Equal(400, (long)usage["totals"]!["requests"]!);
        Assert.Equal(100, (long)usage["by_user"]!.AsArray().Single(u => (string?)u!["user"] == "quarter")!["requests"]!);
        Assert.Equal(400, (long)usage["outcomes"]!["calls"]!);
        JsonNode filtered = await Calls.UsageAsync(http, "?user=rest");
        Assert.Equal(300, (long)filtered["totals"]!["requests"]!);
    }

    [Fact]
    public async Task The_command_line_exits_with_2_and_one_line_when_the_store_cannot_be_opened()
    {
        (int exit, string line) = await RunTool("--data", Path.Combine(_dir, "missing", "x.db"), "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, exit);
        Assert.Contains("x.db", line);
    }

    [Fact]
    public async Task The_command_line_exits_with_2_and_one_line_when_the_port_is_in_use()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        (int exit, string line) = await RunTool("--urls", $"http://127.0.0.1:{port}");

        Assert.Equal(2, exit);
        Assert.Contains("already in use", line);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), line);
    }

    /// <summary>Runs the command-line tool that fails to start; returns its exit code and its only line on stderr (standard output must be empty).</summary>
    private static async Task<(int Exit, string Line)> RunTool(params string[] args)
    {
        string tool = Emu.ToolPath;
        Assert.True(File.Exists(tool), $"{tool} is built by the project reference");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(tool);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        string stderr = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        // One line in all (issue 25, item 12): no log line or stack trace before it on standard output.
        Assert.Equal("", (await stdout).Trim());
        return (process.ExitCode, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}
