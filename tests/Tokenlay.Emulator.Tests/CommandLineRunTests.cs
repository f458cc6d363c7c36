using Tokenlay.Emulator.Hosting;

namespace Tokenlay.Emulator.Tests;

/// <summary>The public command the dotnet tool is made of, run in-process.</summary>
public class CommandLineRunTests
{
    [Fact]
    public async Task Help_prints_the_usage_and_exits_0()
    {
        var output = new StringWriter();

        int code = await TokenlayEmulatorCommandLine.RunAsync(["--help"], output, new StringWriter());

        Assert.Equal(0, code);
        Assert.Contains("--urls", output.ToString());
        Assert.Equal(TokenlayEmulatorCommandLine.Usage.Trim(), output.ToString().Trim());
    }

    [Fact]
    public async Task A_bad_argument_exits_2_naming_it_without_starting()
    {
        var error = new StringWriter();

        int code = await TokenlayEmulatorCommandLine.RunAsync(["--prot", "1"], new StringWriter(), error);

        Assert.Equal(2, code);
        Assert.Contains("Unknown option '--prot'", error.ToString());
    }

    [Fact]
    public async Task The_command_serves_until_cancelled_and_prints_how_to_point_the_sdk_at_it()
    {
        var output = new StringWriter();
        using var stop = new CancellationTokenSource();
        Task<int> run = TokenlayEmulatorCommandLine.RunAsync(["--urls", "http://127.0.0.1:0"], TextWriter.Synchronized(output), new StringWriter(), stop.Token);

        string banner = "";
        for (int i = 0; i < 300 && !banner.Contains("Press Ctrl+C", StringComparison.Ordinal) && !run.IsCompleted; i++)
        {
            await Task.Delay(50);
            banner = output.ToString();
        }
        Assert.Contains("TOKENLAY_BASE_URL=http://127.0.0.1:", banner);
        string baseUrl = banner.Split("TOKENLAY_BASE_URL=")[1].Split('\n')[0].Trim();
        using var http = new HttpClient();
        Assert.Contains("\"ok\"", await http.GetStringAsync(baseUrl + "/v1/health"));

        stop.Cancel();
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
