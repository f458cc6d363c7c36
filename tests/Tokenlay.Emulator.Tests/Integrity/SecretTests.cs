using System.Net;

namespace Tokenlay.Emulator.Tests.Integrity;

/// <summary>Issue 10, item 8: nothing that may be a secret becomes metadata, so none is stored, logged or shown.</summary>
public class SecretTests
{
    [Fact]
    public async Task Headers_named_like_secrets_never_reach_the_log_usage_or_dashboard_apis()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""[{ "id": "w", "if": {}, "then": { "action": "warn" } }]""");
        using HttpClient http = Emu.Http(emulator);
        var secrets = new Dictionary<string, string>
        {
            ["x-tokenlay-key"] = "tl_local_SECRET_1",
            ["x-tokenlay-provider-key"] = "sk-SECRET_2",
            ["x-tokenlay-api-key"] = "SECRET_3",
            ["x-tokenlay-secret"] = "SECRET_4",
            ["x-tokenlay-token"] = "SECRET_5",
            ["x-tokenlay-session-token"] = "SECRET_6",
            ["x-tokenlay-password"] = "SECRET_7",
            ["x-tokenlay-openai-apikey"] = "SECRET_8",
            ["x-tokenlay-authorization"] = "Bearer SECRET_9",
        };

        HttpResponseMessage response = await Calls.ChatAsync(http, "hi", "u", headers: secrets);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string everything = string.Join("\n", await Task.WhenAll(
            http.GetStringAsync("/v1/logs"), http.GetStringAsync("/v1/usage"), http.GetStringAsync("/v1/rules/status"),
            Task.FromResult(string.Join(";", response.Headers.SelectMany(h => h.Value)))));
        Assert.DoesNotContain("SECRET", everything);
        Assert.DoesNotContain("tl_local", everything);
        var entry = Assert.Single(emulator.Store.Snapshot());
        Assert.Equal(["user"], entry.Metadata.Keys);
        // The caller learns which fields were ignored, by name only.
        Assert.Contains("x-tokenlay-api-key", response.Headers.GetValues("x-tokenlay-warnings").Single());
    }
}
