using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Tests.Keys;

/// <summary>Issue 22 as the tool runs it: TOKENLAY_EMULATOR_VAULT_KEY, --forward, --data, and no secret in what it prints.</summary>
public sealed class KeyToolTests : IDisposable
{
    private const string Secret = "sk-or-v1-SECRET-tool-customer-0001";
    private const string Refused = "sk-or-v1-SECRET-tool-refused-0002";
    private const string Unreachable = "sk-or-v1-SECRET-tool-nowhere-0003";

    private readonly string _dir = Directory.CreateTempSubdirectory("tokenlay-keytool-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_tool_takes_its_vault_key_from_the_environment_and_never_prints_or_stores_a_secret()
    {
        await using RecordingProvider provider = await RecordingProvider.StartAsync();
        provider.Refused[Refused] = true;
        string data = Path.Combine(_dir, "tokenlay.db");
        string vaultKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        using Process tool = StartTool(vaultKey, "--forward", "--data", data, "--urls", "http://127.0.0.1:0");
        var output = new StringBuilder();
        try
        {
            Uri baseUrl = await ListeningAsync(tool, output);
            using var http = new HttpClient { BaseAddress = baseUrl };
            http.DefaultRequestHeaders.Authorization = new("Bearer", "tl_local");

            Assert.Equal(HttpStatusCode.Created, (await KeyCalls.ConnectAsync(http, KeyCalls.Connection("acme", "openai-compatible", Secret, provider.Base))).Status);
            Assert.Equal(HttpStatusCode.BadRequest, (await KeyCalls.ConnectAsync(http, KeyCalls.Connection("bad", "openai-compatible", Refused, provider.Base))).Status);
            Assert.Equal(HttpStatusCode.BadGateway, (await KeyCalls.ConnectAsync(http, KeyCalls.Connection("gone", "openai-compatible", Unreachable, "http://127.0.0.1:9/v1"))).Status);
            JsonObject unverified = KeyCalls.Connection("gone", "openai-compatible", Unreachable, "http://127.0.0.1:9/v1");
            unverified["validate"] = false;
            Assert.Equal(HttpStatusCode.Created, (await KeyCalls.ConnectAsync(http, unverified)).Status);
            Assert.Equal(HttpStatusCode.OK, (await KeyCalls.ChatAsync(http, "acme")).StatusCode);
            Assert.Equal(HttpStatusCode.BadGateway, (await KeyCalls.ChatAsync(http, "gone")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await KeyCalls.ChatAsync(http, "nobody")).StatusCode);
        }
        finally
        {
            tool.Kill(entireProcessTree: true);
            await tool.WaitForExitAsync();
        }
        output.Append(await tool.StandardOutput.ReadToEndAsync()).Append(await tool.StandardError.ReadToEndAsync());

        Assert.DoesNotContain("SECRET", output.ToString());
        Assert.DoesNotContain(vaultKey, output.ToString());
        Assert.False(File.Exists(data + ".vault-key")); // the environment's key was used
        foreach (string file in Directory.GetFiles(_dir).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            Assert.False(File.ReadAllBytes(file).AsSpan().IndexOf("SECRET"u8) >= 0, Path.GetFileName(file) + " holds a secret");
        }
    }

    private static Process StartTool(string vaultKey, params string[] args)
    {
        string tool = Emu.ToolPath;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(tool);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["TOKENLAY_EMULATOR_VAULT_KEY"] = vaultKey;
        return Process.Start(start)!;
    }

    private static async Task<Uri> ListeningAsync(Process tool, StringBuilder output)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await tool.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            output.AppendLine(line);
            int at = line.IndexOf("listening on http://", StringComparison.Ordinal);
            if (at >= 0)
            {
                return new Uri(line[(at + "listening on ".Length)..].Split(' ')[0]);
            }
        }
        throw new InvalidOperationException("the tool ended before it listened: " + await tool.StandardError.ReadToEndAsync());
    }
}
