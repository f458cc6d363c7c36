using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Tokenlay.Emulator.Metering.Persistence;

namespace Tokenlay.Emulator.Tests.Keys;

/// <summary>Issue 22: with --data the vault survives a restart, encrypted: no secret in the database, its WAL or anywhere else on disk.</summary>
public sealed class KeyStorageTests : IDisposable
{
    private const string Secret = "sk-or-v1-SECRET-never-on-disk-0001";
    private const string Rotated = "sk-or-v1-SECRET-rotated-on-disk-0002";

    private readonly string _dir = Directory.CreateTempSubdirectory("tokenlay-keys-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Data => Path.Combine(_dir, "tokenlay.db");

    [Fact]
    public async Task No_secret_is_ever_in_the_database_or_its_wal_while_running_or_after()
    {
        await using (TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.DataPath = Data))
        {
            using HttpClient http = Emu.Http(emulator);
            string id = (string)(await KeyCalls.ConnectedAsync(http, "acme", "openai", Secret))["id"]!;
            await KeyCalls.ChatAsync(http, "acme");
            await http.PutAsync("/v1/keys/" + id, Emu.Json(new JsonObject { ["key"] = Rotated }.ToJsonString()));
            await KeyCalls.ChatAsync(http, "acme");
            emulator.Store.Flush();

            Assert.True(File.Exists(Data + "-wal"));
            // The keys are on disk (so the scan below is meaningful), their secrets sealed.
            Assert.Contains(AssertNoSecretOnDisk(), bytes => Contains(bytes, "\"ref_id\":\"acme\""u8.ToArray()));
        }
        AssertNoSecretOnDisk();
    }

    [Fact]
    public async Task Connected_keys_and_their_events_survive_a_restart_and_still_serve_calls()
    {
        string id;
        await using (TokenlayEmulator first = await Emu.StartAsync(configure: o => o.DataPath = Data))
        {
            using HttpClient http = Emu.Http(first);
            id = (string)(await KeyCalls.ConnectedAsync(http, "acme", "openai", Secret))["id"]!;
            await KeyCalls.ChatAsync(http, "acme");
        }

        await using TokenlayEmulator second = await Emu.StartAsync(configure: o => o.DataPath = Data);
        using HttpClient again = Emu.Http(second);
        JsonObject key = await KeyCalls.GetAsync(again, "/v1/keys/" + id);
        HttpResponseMessage call = await KeyCalls.ChatAsync(again, "acme");

        Assert.Equal("0001", (string?)key["key_hint"]);
        Assert.Equal(1, (long)key["call_count"]!);
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.Equal(["connected", "validated", "used"], (await KeyCalls.GetAsync(again, $"/v1/keys/{id}/events"))["data"]!.AsArray().Select(e => (string)e!["type"]!));
        // The second connect for the same customer is still refused: the one active key came back.
        Assert.Equal(HttpStatusCode.Conflict, (await KeyCalls.ConnectAsync(again, KeyCalls.Connection("acme", "openai", "sk-another-one-9999"))).Status);
    }

    [Fact]
    public async Task A_revoked_key_stays_revoked_after_a_restart()
    {
        await using (TokenlayEmulator first = await Emu.StartAsync(configure: o => o.DataPath = Data))
        {
            using HttpClient http = Emu.Http(first);
            string id = (string)(await KeyCalls.ConnectedAsync(http, "acme", "openai", Secret))["id"]!;
            await http.DeleteAsync("/v1/keys/" + id);
        }

        await using TokenlayEmulator second = await Emu.StartAsync(configure: o => o.DataPath = Data);
        using HttpClient again = Emu.Http(second);

        HttpResponseMessage call = await KeyCalls.ChatAsync(again, "acme");
        Assert.Equal(HttpStatusCode.Forbidden, call.StatusCode);
        Assert.Equal("key_revoked", await KeyCalls.CodeAsync(call));
    }

    [Fact]
    public async Task Without_a_vault_key_a_key_file_readable_by_its_owner_only_is_created_beside_the_database()
    {
        await using (TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.DataPath = Data))
        {
            using HttpClient http = Emu.Http(emulator);
            await KeyCalls.ConnectedAsync(http, "acme", "openai", Secret);
        }

        string keyFile = Data + ".vault-key";
        Assert.True(File.Exists(keyFile));
        Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(keyFile)).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }
    }

    [Fact]
    public async Task A_vault_key_given_in_the_options_is_used_and_no_key_file_is_written()
    {
        string vaultKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using (TokenlayEmulator emulator = await Emu.StartAsync(configure: o => { o.DataPath = Data; o.VaultKey = vaultKey; }))
        {
            using HttpClient http = Emu.Http(emulator);
            await KeyCalls.ConnectedAsync(http, "acme", "openai", Secret);
        }

        Assert.False(File.Exists(Data + ".vault-key"));
        await using TokenlayEmulator again = await Emu.StartAsync(configure: o => { o.DataPath = Data; o.VaultKey = vaultKey; });
        Assert.Equal(HttpStatusCode.OK, (await KeyCalls.ChatAsync(Emu.Http(again), "acme")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_vault_key_stops_the_start_instead_of_losing_the_keys()
    {
        string keyFile = Path.Combine(_dir, "vault.key");
        await using (TokenlayEmulator emulator = await Emu.StartAsync(configure: o => { o.DataPath = Data; o.VaultKeyFile = keyFile; }))
        {
            await KeyCalls.ConnectedAsync(Emu.Http(emulator), "acme", "openai", Secret);
        }
        string other = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        EmulatorStoreException refused = await Assert.ThrowsAsync<EmulatorStoreException>(() =>
            Emu.StartAsync(configure: o => { o.DataPath = Data; o.VaultKey = other; }));

        Assert.Contains("vault key", refused.Message);
        Assert.DoesNotContain(other, refused.Message);
        // With the right file it starts again.
        await using TokenlayEmulator right = await Emu.StartAsync(configure: o => { o.DataPath = Data; o.VaultKeyFile = keyFile; });
    }

    [Fact]
    public async Task A_vault_key_that_is_not_32_bytes_of_base64_is_refused_without_quoting_it()
    {
        ArgumentException refused = await Assert.ThrowsAsync<ArgumentException>(() =>
            Emu.StartAsync(configure: o => o.VaultKey = "too-short-to-be-a-key"));

        Assert.Contains("TOKENLAY_EMULATOR_VAULT_KEY", refused.Message);
        Assert.DoesNotContain("too-short-to-be-a-key", refused.Message);
    }

    [Fact]
    public void The_command_line_takes_vault_key_file()
    {
        (TokenlayEmulatorOptions? options, string? error, _) = Hosting.EmulatorCommandLine.Parse(["--data", "x.db", "--vault-key-file", "x.key"]);

        Assert.Null(error);
        Assert.Equal("x.key", options!.VaultKeyFile);
        Assert.NotNull(Hosting.EmulatorCommandLine.Parse(["--vault-key-file"]).Error);
        Assert.Contains("--vault-key-file", Hosting.EmulatorCommandLine.Usage);
    }

    private List<byte[]> AssertNoSecretOnDisk()
    {
        var files = new List<byte[]>();
        // The database, its -wal and -shm, the vault key file; the lock file is empty and held exclusively.
        foreach (string file in Directory.GetFiles(_dir).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            byte[] bytes = copy.ToArray();
            files.Add(bytes);
            foreach (string secret in new[] { Secret, Rotated, "SECRET-never", "SECRET-rotated" })
            {
                Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(secret)), $"{Path.GetFileName(file)} holds '{secret}'");
                Assert.False(Contains(bytes, Encoding.Unicode.GetBytes(secret)), $"{Path.GetFileName(file)} holds '{secret}' (UTF-16)");
            }
        }
        return files;
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
